//! wildix-sandbox: a fake Wildix PBX on 127.0.0.1 for tests, the demo and
//! benchmarks. Prints `listening on http://127.0.0.1:PORT` first, then
//! serves until SIGTERM or SIGINT, when it exits with status 0.

mod data;
mod routes;
mod server;

use std::io::Write;
use std::net::TcpListener;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

const USAGE: &str = "usage: wildix-sandbox [--port N] [--token T] [--seed N]
  --port N   port on 127.0.0.1 (default 0: any free port)
  --token T  the Bearer token the sandbox accepts (default sandbox-token)
  --seed N   seed of the generated data (default 1)";

struct Options {
    port: u16,
    token: String,
    seed: u64,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        token: "sandbox-token".to_string(),
        seed: 1,
    };
    while let Some(flag) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--port" => {
                options.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port must be 0 to 65535".to_string())?
            }
            "--token" => options.token = value("--token")?,
            "--seed" => {
                options.seed = value("--seed")?
                    .parse()
                    .map_err(|_| "--seed must be a whole number".to_string())?
            }
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.token.is_empty() || options.token.chars().any(|c| c.is_control() || c == ' ') {
        return Err("--token must be non-empty, without spaces".to_string());
    }
    Ok(options)
}

fn main() {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            if message.is_empty() {
                println!("{USAGE}");
                return;
            }
            eprintln!("wildix-sandbox: {message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", options.port)) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "wildix-sandbox: cannot listen on 127.0.0.1:{}: {e}",
                options.port
            );
            std::process::exit(1);
        }
    };
    if let Err(e) = ctrlc::set_handler(|| std::process::exit(0)) {
        eprintln!("wildix-sandbox: cannot handle signals: {e}");
        std::process::exit(1);
    }
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or(options.port);
    let state = Arc::new(server::State {
        data: data::generate(options.seed),
        token: options.token,
        connections: AtomicU64::new(0),
        requests: AtomicU64::new(0),
    });
    println!("listening on http://127.0.0.1:{port}");
    let _ = std::io::stdout().flush();
    server::serve(listener, state);
}
