//! Believable container log lines: request logs in one of a few common styles with latency
//! around the version's typical latency and 5xx errors at its error rate, the odd multi-line
//! stack trace, some ANSI colour, and — for versions marked `hostile_logs` — escape sequences
//! that try to drive the viewer's terminal. Everything comes from the world's seeded generator.

use crate::rng::Rng;
use crate::world::{Behaviour, fmt_time_nanos};

const PATHS: &[&str] = &[
    "/api/v1/orders",
    "/api/v1/orders/{id}",
    "/api/v1/features/{id}",
    "/api/v1/customers/{id}/segments",
    "/api/v1/predict",
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v2/events",
];
const METHODS: &[&str] = &["GET", "GET", "GET", "POST", "PUT", "DELETE"];

/// How a service formats its logs, chosen once per pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Json,
    Logfmt,
    Access,
    Colour,
}

fn style(seed: u64) -> Style {
    match seed % 4 {
        0 => Style::Json,
        1 => Style::Logfmt,
        2 => Style::Access,
        _ => Style::Colour,
    }
}

/// The application name in an image reference (`ghcr.io/acme/orders-api:1.2` → `orders-api`).
fn app(image: &str) -> &str {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split([':', '@']).next().unwrap_or(last)
}

fn version(image: &str) -> &str {
    image
        .rsplit_once(':')
        .filter(|(_, t)| !t.contains('/'))
        .map_or("latest", |(_, t)| t)
}

fn level(style: Style, lvl: &str) -> String {
    if style != Style::Colour {
        return lvl.to_string();
    }
    let colour = match lvl {
        "ERROR" => "31",
        "WARN" => "33",
        "DEBUG" => "90",
        _ => "32",
    };
    format!("\x1b[{colour}m{lvl}\x1b[0m")
}

fn message(style: Style, now_ms: i64, lvl: &str, app: &str, msg: &str) -> String {
    let ts = fmt_time_nanos(now_ms);
    match style {
        Style::Json => format!(
            "{{\"ts\":\"{ts}\",\"level\":\"{}\",\"logger\":\"{app}\",\"msg\":\"{msg}\"}}",
            lvl.to_lowercase()
        ),
        Style::Logfmt => format!(
            "time={ts} level={} app={app} msg=\"{msg}\"",
            lvl.to_lowercase()
        ),
        Style::Access | Style::Colour => format!("{ts} {} [{app}] {msg}", level(style, lvl)),
    }
}

/// The lines a container prints while starting.
pub(crate) fn startup(
    rng: &mut Rng,
    image: &str,
    b: &Behaviour,
    seed: u64,
    now_ms: i64,
) -> Vec<String> {
    let s = style(seed);
    let a = app(image);
    let port = 8080 + (seed % 3) as u16 * 10;
    let mut out = vec![
        message(
            s,
            now_ms,
            "INFO",
            a,
            &format!("starting {a} version {}", version(image)),
        ),
        message(
            s,
            now_ms,
            "INFO",
            a,
            &format!(
                "loaded configuration from /etc/{a}/config.yaml ({} keys)",
                20 + rng.range(0, 40)
            ),
        ),
        message(
            s,
            now_ms,
            "INFO",
            a,
            &format!("connected to database pool size={}", 5 + rng.range(0, 15)),
        ),
        message(s, now_ms, "INFO", a, &format!("listening on :{port}")),
    ];
    if b.hostile_logs {
        out.push("\x1b]0;pwned\x07starting".to_string());
    }
    out
}

/// The last lines of a crashing instance.
pub(crate) fn crash(rng: &mut Rng, oom: bool, now_ms: i64) -> Vec<String> {
    let ts = fmt_time_nanos(now_ms);
    if oom {
        return vec![
            format!("{ts} WARN heap usage at 97% of limit"),
            "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space".to_string(),
            "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)".to_string(),
            "\tat com.example.cache.FeatureCache.load(FeatureCache.java:212)".to_string(),
        ];
    }
    let mut out = vec![
        format!(
            "{ts} ERROR failed to initialise: dial tcp 10.96.{}.{}:5432: connect: connection refused",
            rng.range(0, 255),
            rng.range(1, 255)
        ),
        "panic: runtime error: invalid memory address or nil pointer dereference".to_string(),
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x8c4f2a]".to_string(),
        String::new(),
        "goroutine 1 [running]:".to_string(),
    ];
    out.extend(go_trace());
    out
}

fn go_trace() -> Vec<String> {
    vec![
        "main.(*Server).handle(0xc0001a2000, {0xb1e3c0, 0xc0003f8000})".to_string(),
        "\t/src/internal/server/handler.go:142 +0x2a".to_string(),
        "main.main()".to_string(),
        "\t/src/cmd/server/main.go:58 +0x1f4".to_string(),
        "exit status 2".to_string(),
    ]
}

fn java_trace(app: &str) -> Vec<String> {
    vec![
        format!("java.lang.IllegalStateException: upstream {app}-db returned no rows"),
        "\tat com.example.orders.OrderService.place(OrderService.java:88)".to_string(),
        "\tat com.example.orders.OrderController.create(OrderController.java:41)".to_string(),
        "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)"
            .to_string(),
        "\t... 48 common frames omitted".to_string(),
    ]
}

fn hostile(rng: &mut Rng) -> String {
    let lines = [
        "\x1b[2J\x1b[Hsession expired, please log in again",
        "\x1b]0;pwned\x07title changed",
        "\x07\x07\x07 bell storm",
        "\x1b[1A\x1b[2Koverwrote the previous line",
        "\x1b]52;c;cm0gLXJmIH4=\x07clipboard write",
        "\x1b[?1049h\x1b[31mALTERNATE SCREEN\x1b[?1049l",
        "\x1b]8;;http://evil.example/\x07click me\x1b]8;;\x07",
        "\x1bPqsixel\x1b\\ device control string",
        "carriage\rreturn overwrite",
    ];
    lines[rng.range(0, lines.len() as u64) as usize].to_string()
}

/// One burst of output: usually one request line, sometimes an error with a stack trace.
pub(crate) fn lines(
    rng: &mut Rng,
    image: &str,
    b: &Behaviour,
    seed: u64,
    now_ms: i64,
) -> Vec<String> {
    let s = style(seed);
    let a = app(image);
    if b.hostile_logs && rng.chance(0.3) {
        return vec![hostile(rng)];
    }
    let method = METHODS[rng.range(0, METHODS.len() as u64) as usize];
    let path = PATHS[rng.range(0, PATHS.len() as u64) as usize]
        .replace("{id}", &rng.range(1000, 99_999).to_string());
    let error = rng.chance(b.error_rate);
    let status = if error {
        *[500u16, 502, 503, 504]
            .get(rng.range(0, 4) as usize)
            .unwrap_or(&500)
    } else if rng.chance(0.03) {
        404
    } else if method == "POST" {
        201
    } else {
        200
    };
    // Latency: roughly log-normal around the version's typical latency.
    let spread = (rng.unit() + rng.unit() + rng.unit()) / 1.5;
    let mut latency = b.latency_ms * spread.max(0.05) * if error { 3.0 } else { 1.0 };
    if rng.chance(0.01) {
        latency *= 8.0;
    }
    let rid = format!("{:016x}", rng.next_u64());
    let ts = fmt_time_nanos(now_ms);
    let mut out = Vec::with_capacity(1);
    let line = match s {
        Style::Json => format!(
            "{{\"ts\":\"{ts}\",\"level\":\"{}\",\"method\":\"{method}\",\"path\":\"{path}\",\"status\":{status},\"duration_ms\":{latency:.1},\"request_id\":\"{rid}\"}}",
            if error { "error" } else { "info" }
        ),
        Style::Logfmt => format!(
            "time={ts} level={} method={method} path={path} status={status} duration={latency:.1}ms request_id={rid}",
            if error { "error" } else { "info" }
        ),
        Style::Access => format!(
            "10.244.{}.{} - - [{ts}] \"{method} {path} HTTP/1.1\" {status} {} \"-\" \"Go-http-client/1.1\" rt={:.3} rid={rid}",
            rng.range(0, 4),
            rng.range(2, 250),
            rng.range(90, 4000),
            latency / 1000.0
        ),
        Style::Colour => format!(
            "{ts} {} [{a}] {method} {path} -> {status} in {latency:.1}ms rid={rid}",
            level(s, if error { "ERROR" } else { "INFO" })
        ),
    };
    out.push(line);
    if error && rng.chance(0.15) {
        out.push(message(
            s,
            now_ms,
            "ERROR",
            a,
            &format!("unhandled error serving {path}"),
        ));
        if seed.is_multiple_of(2) {
            out.extend(java_trace(a));
        } else {
            out.push("goroutine 214 [running]:".to_string());
            out.extend(go_trace());
        }
    } else if rng.chance(0.01) {
        out.push(message(
            s,
            now_ms,
            "WARN",
            a,
            "slow query: SELECT * FROM features WHERE entity_id = $1 took 412ms",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_rate_shows_in_the_status_codes() {
        let mut rng = Rng::new(3);
        let bad = Behaviour {
            error_rate: 0.5,
            ..Behaviour::default()
        };
        let good = Behaviour {
            error_rate: 0.0,
            ..Behaviour::default()
        };
        let count = |rng: &mut Rng, b: &Behaviour| {
            (0..400)
                .flat_map(|_| lines(rng, "ghcr.io/acme/orders-api:1.0", b, 1, 0))
                .filter(|l| l.contains("status=50"))
                .count()
        };
        let bad_n = count(&mut rng, &bad);
        let good_n = count(&mut rng, &good);
        assert!(bad_n > 120, "bad version errors: {bad_n}");
        assert_eq!(good_n, 0);
    }

    #[test]
    fn hostile_versions_write_escape_sequences() {
        let mut rng = Rng::new(9);
        let b = Behaviour {
            hostile_logs: true,
            ..Behaviour::default()
        };
        let all: Vec<String> = (0..200)
            .flat_map(|_| lines(&mut rng, "x/y:1", &b, 3, 0))
            .collect();
        assert!(all.iter().any(|l| l.contains("\x1b]0;")));
        assert!(all.iter().any(|l| l.contains("\x1b[2J")));
        let calm = Behaviour::default();
        let plain: Vec<String> = (0..200)
            .flat_map(|_| lines(&mut rng, "x/y:1", &calm, 1, 0))
            .collect();
        assert!(plain.iter().all(|l| !l.contains('\x1b')));
    }
}
