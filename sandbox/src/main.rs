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
       wildix-sandbox --stats PORT   (print a running sandbox's counters)
  --port N   port on 127.0.0.1 (default 0: any free port)
  --token T  the Bearer token the sandbox accepts (default sandbox-token)
  --seed N   seed of the generated data (default 1)
  --exit-on-stdin-eof
             exit when standard input closes (a parent that dies takes
             the sandbox with it)";

struct Options {
    port: u16,
    token: String,
    seed: u64,
    exit_on_stdin_eof: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        token: "sandbox-token".to_string(),
        seed: 1,
        exit_on_stdin_eof: false,
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
            "--exit-on-stdin-eof" => options.exit_on_stdin_eof = true,
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.token.is_empty() || options.token.chars().any(|c| c.is_control() || c == ' ') {
        return Err("--token must be non-empty, without spaces".to_string());
    }
    Ok(options)
}

/// `--stats PORT`: asks a running sandbox for its counters (for specs,
/// which have no HTTP client of their own).
fn print_stats(port: &str) -> Result<(), String> {
    use std::io::Read;
    let port: u16 = port
        .parse()
        .map_err(|_| "--stats needs a port".to_string())?;
    let mut stream =
        std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /_sandbox/stats HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut reply = String::new();
    stream
        .read_to_string(&mut reply)
        .map_err(|e| e.to_string())?;
    let body = reply.split("\r\n\r\n").nth(1).ok_or("no body")?;
    println!("{body}");
    Ok(())
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("--stats") {
        let port = args.nth(1).unwrap_or_default();
        if let Err(e) = print_stats(&port) {
            eprintln!("wildix-sandbox: {e}");
            std::process::exit(1);
        }
        return;
    }
    let options = match parse_args(args) {
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
    if options.exit_on_stdin_eof {
        std::thread::spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            std::process::exit(0);
        });
    }
    println!("listening on http://127.0.0.1:{port}");
    let _ = std::io::stdout().flush();
    server::serve(listener, state);
}
