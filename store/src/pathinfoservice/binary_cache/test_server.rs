//! A tiny HTTP/1.1 file server for the HTTP binary cache tests: `GET`,
//! `HEAD` and (when writable) `PUT` of files below a directory, one request
//! per connection, with a log of the requests it answered. It only has to
//! speak enough HTTP for reqwest; it is not a general server.

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// How the server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Files may be read, not written (`PUT` gets 403).
    ReadOnly,
    /// Files may be read and written.
    Writable,
    /// Every request gets 500.
    Broken,
}

/// A running server; it stops when the test's runtime ends.
pub(crate) struct TestServer {
    /// `http://127.0.0.1:PORT/`.
    pub(crate) url: String,
    /// `METHOD /path` of every request answered.
    pub(crate) log: Arc<Mutex<Vec<String>>>,
}

impl TestServer {
    /// The requests answered so far whose line starts with `prefix`.
    pub(crate) fn count(&self, prefix: &str) -> usize {
        self.log
            .lock()
            .expect("log lock")
            .iter()
            .filter(|l| l.starts_with(prefix))
            .count()
    }
}

/// Serves `dir` on a free loopback port.
pub(crate) async fn serve(dir: PathBuf, mode: Mode) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let log2 = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let dir = dir.clone();
            let log = log2.clone();
            tokio::spawn(async move {
                let _ = handle(stream, &dir, mode, &log).await;
            });
        }
    });
    TestServer {
        url: format!("http://{addr}/"),
        log,
    }
}

async fn handle(
    stream: tokio::net::TcpStream,
    dir: &std::path::Path,
    mode: Mode,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    r.read_line(&mut line).await?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut content_length = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).await? == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                content_length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; content_length];
    r.read_exact(&mut body).await?;
    log.lock()
        .expect("log lock")
        .push(format!("{method} {path}"));
    let rel = path.trim_start_matches('/');
    let file = dir.join(rel);
    let (status, payload): (&str, Vec<u8>) = if mode == Mode::Broken {
        ("500 Internal Server Error", b"broken".to_vec())
    } else if rel.split('/').any(|c| c == ".." || c.is_empty()) {
        ("400 Bad Request", vec![])
    } else {
        match method.as_str() {
            "GET" | "HEAD" => match tokio::fs::read(&file).await {
                Ok(data) => ("200 OK", data),
                Err(_) => ("404 Not Found", vec![]),
            },
            "PUT" if mode == Mode::Writable => {
                if let Some(parent) = file.parent() {
                    tokio::fs::create_dir_all(parent).await?;
                }
                tokio::fs::write(&file, &body).await?;
                ("201 Created", vec![])
            }
            "PUT" => ("403 Forbidden", vec![]),
            _ => ("405 Method Not Allowed", vec![]),
        }
    };
    let mut stream = r.into_inner();
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    );
    stream.write_all(head.as_bytes()).await?;
    if method != "HEAD" {
        stream.write_all(&payload).await?;
    }
    stream.shutdown().await
}
