//! Building a `kube::Client` from a kubeconfig and a context, without contacting the API
//! (the first frame must not wait for the server).

use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use tower::buffer::BufferLayer;
use tower::retry::RetryLayer;

use super::retry::ReadRetry;

/// What the dashboard needs to know about where it points.
pub struct Connected {
    /// The client.
    pub client: kube::Client,
    /// The context in use.
    pub context: String,
    /// Every context in the kubeconfig.
    pub contexts: Vec<String>,
    /// The context's default namespace (`default` when unset).
    pub namespace: String,
    /// The API server URL (shown when it cannot be reached).
    pub server: String,
}

/// Why no client could be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No kubeconfig file.
    #[error(
        "no kubeconfig found{}; set KUBECONFIG, pass --kubeconfig, or run `quarterdeck demo`",
        .0.as_ref().map(|p| format!(" at {}", p.display())).unwrap_or_default()
    )]
    NoKubeconfig(Option<PathBuf>),
    /// The kubeconfig could not be read or parsed.
    #[error("cannot read the kubeconfig: {0}")]
    Read(String),
    /// The context does not exist.
    #[error("no context {name:?} in the kubeconfig (it has: {known})")]
    UnknownContext {
        /// The context asked for.
        name: String,
        /// The contexts that exist.
        known: String,
    },
    /// The kubeconfig has no current context and none was given.
    #[error("the kubeconfig has no current-context; pass --context NAME")]
    NoContext,
    /// The API server did not answer, or refused the credentials.
    #[error("no answer from {server}: {message}")]
    NoAnswer {
        /// The API server URL.
        server: String,
        /// Why.
        message: String,
    },
    /// The client could not be configured (bad certificate, unsupported auth …).
    #[error("cannot configure a client for context {context:?}: {message}")]
    Config {
        /// The context.
        context: String,
        /// Why.
        message: String,
    },
}

/// Reads the kubeconfig (the given path, else `$KUBECONFIG`, else `~/.kube/config`).
pub fn read_kubeconfig(path: Option<&Path>) -> Result<Kubeconfig, ClientError> {
    match path {
        Some(p) => {
            if !p.exists() {
                return Err(ClientError::NoKubeconfig(Some(p.to_path_buf())));
            }
            Kubeconfig::read_from(p).map_err(|e| ClientError::Read(e.to_string()))
        }
        None => {
            let env_set = std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty());
            let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube/config"));
            if !env_set && !home.as_ref().is_some_and(|h| h.exists()) {
                return Err(ClientError::NoKubeconfig(home));
            }
            Kubeconfig::read().map_err(|e| ClientError::Read(e.to_string()))
        }
    }
}

/// Builds a client for `context` (the current context when `None`). Needs a tokio runtime;
/// does not contact the server.
pub async fn connect(
    kubeconfig: &Kubeconfig,
    context: Option<&str>,
) -> Result<Connected, ClientError> {
    let contexts: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    let name = match context {
        Some(c) => c.to_string(),
        None => kubeconfig
            .current_context
            .clone()
            .ok_or(ClientError::NoContext)?,
    };
    let Some(ctx) = kubeconfig.contexts.iter().find(|c| c.name == name) else {
        return Err(ClientError::UnknownContext {
            name,
            known: contexts.join(", "),
        });
    };
    let namespace = ctx
        .context
        .as_ref()
        .and_then(|c| c.namespace.clone())
        .unwrap_or_else(|| "default".into());
    let options = KubeConfigOptions {
        context: Some(name.clone()),
        cluster: None,
        user: None,
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .map_err(|e| ClientError::Config {
            context: name.clone(),
            message: e.to_string(),
        })?;
    let server = config.cluster_url.to_string();
    let client = build(config).map_err(|e| ClientError::Config {
        context: name.clone(),
        message: e.to_string(),
    })?;
    Ok(Connected {
        client,
        context: name,
        contexts,
        namespace,
        server,
    })
}

/// A client for `config` whose reads are asked again a few times within seconds when the
/// server says "later" (429, 503, 504) and whose writes are never repeated: kube-rs's own
/// retry, which repeats writes for minutes, is turned off. Needs a tokio runtime.
pub fn build(mut config: kube::Config) -> Result<kube::Client, kube::Error> {
    config.default_retry = false;
    Ok(kube::client::ClientBuilder::try_from(config)?
        // The retry layer needs a service it can clone; kube's stack is boxed.
        .with_layer(&BufferLayer::new(1024))
        .with_layer(&RetryLayer::new(ReadRetry::default()))
        .build())
}

/// How long a context switch waits for the new API server to answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);

/// Builds a client for `context` and waits until its API server answers (`GET /version`), so a
/// context switch happens only once the new context works. Credential plugins run here: call
/// it from a task of its own, never from the event loop.
pub async fn reach(kubeconfig: &Kubeconfig, context: &str) -> Result<Connected, ClientError> {
    let connected = connect(kubeconfig, Some(context)).await?;
    let no_answer = |message: String| ClientError::NoAnswer {
        server: connected.server.clone(),
        message,
    };
    match tokio::time::timeout(ANSWER_TIMEOUT, connected.client.apiserver_version()).await {
        Err(_) => Err(no_answer(format!(
            "nothing within {} s",
            ANSWER_TIMEOUT.as_secs()
        ))),
        Ok(Err(kube::Error::Api(status))) if status.code == 401 => Err(no_answer(format!(
            "credentials refused: {}",
            status.message
        ))),
        // Any other answer (even a 403 for /version) means the server is there; what may be
        // watched shows per source.
        Ok(Ok(_) | Err(kube::Error::Api(_))) => Ok(connected),
        Ok(Err(e)) => Err(no_answer(innermost(&e))),
    }
}

/// The innermost cause of a client error: "connection refused" rather than a chain.
pub fn innermost(e: &kube::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg = s.to_string();
        source = s.source();
    }
    msg
}

/// The kubeconfig user of `context` (who acts there), or the context's name when it names none.
pub fn context_user(kubeconfig: &Kubeconfig, context: &str) -> String {
    kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.user.clone())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| context.to_string())
}
