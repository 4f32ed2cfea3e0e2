//! `wildix-sandbox --connect-proxy`: an HTTP CONNECT proxy on loopback, as
//! `HTTPS_PROXY` names one, for specs that the client's requests go
//! through it. Each tunnel is printed on stdout (`CONNECT host:port`) and
//! counted: `wildix-sandbox --stats PORT` prints `{"tunnels":N}`. Any
//! other request gets 405.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Tunnels opened so far.
static TUNNELS: AtomicUsize = AtomicUsize::new(0);

/// Listens on 127.0.0.1:`port` (0: any free port); the bound port.
pub fn start(port: u16) -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = tunnel(stream);
            });
        }
    });
    Ok(port)
}

fn tunnel(client: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // The header lines, up to the blank one; at most 64 KiB of them.
    let mut header = String::new();
    let mut read = 0;
    loop {
        header.clear();
        let n = (&mut reader).take(16 * 1024).read_line(&mut header)?;
        read += n;
        if n <= 2 || read > 64 * 1024 {
            break;
        }
    }
    let mut client = client;
    let target = match line.split_whitespace().collect::<Vec<_>>()[..] {
        ["CONNECT", target, _] => target.to_string(),
        ["GET", "/_sandbox/stats", _] => {
            let body = format!("{{\"tunnels\":{}}}", TUNNELS.load(Ordering::SeqCst));
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
            client.write_all(head.as_bytes())?;
            client.write_all(body.as_bytes())?;
            return Ok(());
        }
        _ => {
            client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")?;
            return Ok(());
        }
    };
    let upstream = match TcpStream::connect(&target) {
        Ok(upstream) => upstream,
        Err(_) => {
            client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")?;
            return Ok(());
        }
    };
    TUNNELS.fetch_add(1, Ordering::SeqCst);
    println!("CONNECT {target}");
    let _ = std::io::stdout().flush();
    client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")?;
    // What the reader already buffered belongs to the tunnel.
    let buffered = reader.buffer().to_vec();
    let mut up_write = upstream.try_clone()?;
    up_write.write_all(&buffered)?;
    let mut client_read = reader.into_inner();
    let mut up_read = upstream;
    let mut client_write = client;
    let back = std::thread::spawn(move || std::io::copy(&mut up_read, &mut client_write));
    let _ = std::io::copy(&mut client_read, &mut up_write);
    let _ = up_write.shutdown(std::net::Shutdown::Write);
    let _ = back.join();
    Ok(())
}
