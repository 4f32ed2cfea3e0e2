//! wildix-sandbox: a fake Wildix PBX on 127.0.0.1. Prints
//! `listening on http://127.0.0.1:PORT` first, then serves until SIGTERM or
//! SIGINT, when it exits with status 0.

use std::io::{Read, Write};

use wildix_sandbox::{proxy, Options, Sandbox};

const USAGE: &str = "usage: wildix-sandbox [--port N] [--token T] [--seed N] [--tls --ca-out PATH]
       wildix-sandbox --stats PORT   (print a running sandbox's counters)
       wildix-sandbox --writes PORT  (print the writes it received, as JSON)
  --port N      port on 127.0.0.1 (default 0: any free port)
  --token T     the user Bearer token it accepts (default sandbox-token)
  --company-key K  a company API key it accepts: no user, so refused on
                user routes (default wsk-v1-sandbox-company-key-0123456789)
  --username U --password P
                the Basic auth login it accepts (default admin,
                sandbox-password)
  --app-id I --app-name N --app-secret S
                the S2S app it accepts: X-APP-ID and a JWT signed with S
                over the canonical request; the whole PBX, no user
                (default sandbox-app, wildix-sandbox, sandbox-app-secret)
  --call-control  serve /api/v2/call-control/list-calls (without it: 404,
                as on the one PBX whose answer the sources record)
  --devices-unpaged  /api/v1/Devices ignores start and count: every
                request gets the whole list (one client records a PBX so)
  --list-cap N  most records a request for any other list gets (default
                0: as many as asked for)
  --end-today   the 90 days of calls end today (UTC), not on 2026-03-31:
                `today`, `7d` and `stats` show data
  --call-cap N  most call-history records a request gets: the PBX's
                default page (default 100; 0: no cap)
  --live        call history grows while it is read
  --stable-ties  records that share a sort key (call legs share a second)
                keep one order (default: each request orders them its own
                way, as SQL does under LIMIT and OFFSET)
  --seed N      seed of the generated data (default 1)
  --calls N     call records to generate (default 6000)
  --burst N     and N more that share one second, among the newest few
                hundred (longer than a page: a dialer's campaign)
  --cache       serve each distinct answer from memory (for benchmarks)
  --latency MS  a remote PBX: each answer waits MS milliseconds first
  --record-us US  and US microseconds per record the page holds
  --tls         serve HTTPS with a private CA made at start-up
  --ca-out PATH write that CA's certificate (PEM) to PATH
  --connect-proxy  be an HTTP CONNECT proxy on --port instead (for specs of
                HTTPS_PROXY): each tunnel printed as CONNECT host:port
  --exit-on-stdin-eof
                exit when standard input closes (a parent that dies
                takes the sandbox with it)
Faults: prefix a request path with /_fault/STEPS (see src/faults.rs),
e.g. url = http://127.0.0.1:PORT/_fault/503,ok";

struct Args {
    options: Options,
    ca_out: Option<String>,
    exit_on_stdin_eof: bool,
    /// Be a CONNECT proxy instead (src/proxy.rs).
    connect_proxy: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        options: Options::default(),
        ca_out: None,
        exit_on_stdin_eof: false,
        connect_proxy: false,
    };
    while let Some(flag) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--port" => {
                parsed.options.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port must be 0 to 65535".to_string())?
            }
            "--token" => parsed.options.token = value("--token")?,
            "--company-key" => parsed.options.company_key = value("--company-key")?,
            "--username" => parsed.options.username = value("--username")?,
            "--password" => parsed.options.password = value("--password")?,
            "--app-id" => parsed.options.app_id = value("--app-id")?,
            "--app-name" => parsed.options.app_name = value("--app-name")?,
            "--app-secret" => parsed.options.app_secret = value("--app-secret")?,
            "--call-cap" => {
                parsed.options.call_cap = value("--call-cap")?
                    .parse()
                    .map_err(|_| "--call-cap must be a whole number".to_string())?
            }
            "--live" => parsed.options.live = true,
            "--stable-ties" => parsed.options.shuffle_ties = false,
            "--call-control" => parsed.options.call_control = true,
            "--devices-unpaged" => parsed.options.devices_unpaged = true,
            "--end-today" => parsed.options.end_today = true,
            "--list-cap" => {
                parsed.options.list_cap = value("--list-cap")?
                    .parse()
                    .map_err(|_| "--list-cap must be a whole number".to_string())?
            }
            "--seed" => {
                parsed.options.seed = value("--seed")?
                    .parse()
                    .map_err(|_| "--seed must be a whole number".to_string())?
            }
            "--tls" => parsed.options.tls = true,
            "--cache" => parsed.options.cache = true,
            "--latency" => {
                parsed.options.latency = std::time::Duration::from_millis(
                    value("--latency")?
                        .parse()
                        .map_err(|_| "--latency must be whole milliseconds".to_string())?,
                )
            }
            "--record-us" => {
                parsed.options.record_time = std::time::Duration::from_micros(
                    value("--record-us")?
                        .parse()
                        .map_err(|_| "--record-us must be whole microseconds".to_string())?,
                )
            }
            "--calls" => {
                parsed.options.calls = value("--calls")?
                    .parse()
                    .ok()
                    .filter(|n| (1..=10_000_000).contains(n))
                    .ok_or_else(|| "--calls must be 1 to 10000000".to_string())?
            }
            "--burst" => {
                parsed.options.burst = value("--burst")?
                    .parse()
                    .ok()
                    .filter(|n| *n <= 1_000_000)
                    .ok_or_else(|| "--burst must be 0 to 1000000".to_string())?
            }
            "--ca-out" => parsed.ca_out = Some(value("--ca-out")?),
            "--exit-on-stdin-eof" => parsed.exit_on_stdin_eof = true,
            "--connect-proxy" => parsed.connect_proxy = true,
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let token = &parsed.options.token;
    if token.is_empty() || token.chars().any(|c| c.is_control() || c == ' ') {
        return Err("--token must be non-empty, without spaces".to_string());
    }
    if parsed.ca_out.is_some() && !parsed.options.tls {
        return Err("--ca-out needs --tls".to_string());
    }
    Ok(parsed)
}

/// `--stats PORT` and `--writes PORT`: asks a running sandbox for its
/// counters or the writes it received (for specs, which have no HTTP
/// client of their own).
fn print_stats(port: &str, what: &str) -> Result<(), String> {
    let port: u16 = port.parse().map_err(|_| format!("--{what} needs a port"))?;
    let mut stream =
        std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .write_all(
            format!(
                "GET /_sandbox/{what} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .map_err(|e| e.to_string())?;
    let mut reply = String::new();
    stream
        .read_to_string(&mut reply)
        .map_err(|e| e.to_string())?;
    let body = reply.split("\r\n\r\n").nth(1).ok_or("no body")?;
    println!("{body}");
    Ok(())
}

/// `--exit-on-stdin-eof`: the process ends when its parent closes stdin
/// (a spec's lifeline).
fn exit_on_stdin_eof(wanted: bool) {
    if wanted {
        std::thread::spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            std::process::exit(0);
        });
    }
}

fn fail(message: &str, code: i32) -> ! {
    eprintln!("wildix-sandbox: {message}");
    std::process::exit(code)
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    for what in ["stats", "writes"] {
        if args.peek().map(String::as_str) == Some(&format!("--{what}")) {
            let port = args.nth(1).unwrap_or_default();
            if let Err(e) = print_stats(&port, what) {
                fail(&e, 1);
            }
            return;
        }
    }
    let args = match parse_args(args) {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return;
        }
        Err(message) => fail(&format!("{message}\n{USAGE}"), 2),
    };
    if let Err(e) = ctrlc::set_handler(|| std::process::exit(0)) {
        fail(&format!("cannot handle signals: {e}"), 1);
    }
    if args.connect_proxy {
        let port = proxy::start(args.options.port).unwrap_or_else(|e| fail(&e.to_string(), 1));
        exit_on_stdin_eof(args.exit_on_stdin_eof);
        println!("listening on http://127.0.0.1:{port}");
        let _ = std::io::stdout().flush();
        loop {
            std::thread::park();
        }
    }
    let sandbox = Sandbox::start(args.options).unwrap_or_else(|e| fail(&e, 1));
    if let (Some(path), Some(pem)) = (&args.ca_out, &sandbox.ca_pem) {
        if let Err(e) = std::fs::write(path, pem) {
            fail(&format!("cannot write {path}: {e}"), 1);
        }
    }
    exit_on_stdin_eof(args.exit_on_stdin_eof);
    println!("listening on {}", sandbox.url);
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
