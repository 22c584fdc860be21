//! The kubeconfig a simulator run writes so kubectl and kube-rs can reach it.

use std::path::Path;

use base64::Engine;

/// The context, cluster and user name in the written kubeconfig.
pub(crate) const CONTEXT: &str = "quarterdeck-sim";

/// The kubeconfig text for a server URL, the CA that signed its certificate, and a token.
pub(crate) fn render(server: &str, ca_pem: &str, token: &str) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {CONTEXT}\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\ncontexts:\n- name: {CONTEXT}\n  context:\n    cluster: {CONTEXT}\n    user: {CONTEXT}\n    namespace: default\ncurrent-context: {CONTEXT}\nusers:\n- name: {CONTEXT}\n  user:\n    token: {token}\n"
    )
}

/// Writes the kubeconfig, readable by the owner only (it holds the token).
pub(crate) fn write(path: &Path, server: &str, ca_pem: &str, token: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, render(server, ca_pem, token))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
