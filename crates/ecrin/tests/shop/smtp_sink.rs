//! A real SMTP server for the tests: it speaks enough of RFC 5321 for a client to deliver
//! to it, keeps every message, and can be told to refuse for a while (451). Started with
//! [`SmtpSink::start_tls`], it speaks TLS from the first byte (RFC 8314) or after
//! STARTTLS (RFC 3207), with a certificate of its own authority, and asks for a login
//! (AUTH PLAIN or LOGIN, RFC 4954) before it takes any message.

use base64::Engine as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// How the sink's clients protect the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tls {
    /// TLS from the first byte, as on port 465.
    Implicit,
    /// Plain, then STARTTLS; nothing but EHLO, STARTTLS and QUIT before it.
    StartTls,
}

#[derive(Clone)]
struct Secure {
    mode: Tls,
    acceptor: tokio_rustls::TlsAcceptor,
    login: (String, String),
}

#[derive(Clone, Default)]
pub struct SmtpSink {
    pub url: String,
    messages: Arc<Mutex<Vec<String>>>,
    /// The user each message was accepted from, when logins are asked for.
    logins: Arc<Mutex<Vec<String>>>,
    refuse: Arc<AtomicBool>,
    secure: Option<Secure>,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

enum Next {
    Done,
    StartTls(Box<dyn Io>),
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::listen(None, |port| format!("smtp://127.0.0.1:{port}")).await
    }

    /// A sink speaking TLS with a certificate for `localhost`, signed by an authority of its
    /// own (returned in PEM), asking for `user` and `password`. Its `url` is the one the
    /// shop is given: `smtps://user:password@localhost:PORT` or
    /// `smtp://user:password@localhost:PORT?tls=required`.
    pub async fn start_tls(mode: Tls, user: &str, password: &str) -> (SmtpSink, String) {
        let (acceptor, ca_pem) = authority();
        let secure = Secure {
            mode,
            acceptor,
            login: (user.to_owned(), password.to_owned()),
        };
        let userinfo = format!(
            "{}:{}",
            urlencoding::encode(user),
            urlencoding::encode(password)
        );
        let sink = Self::listen(Some(secure), |port| match mode {
            Tls::Implicit => format!("smtps://{userinfo}@localhost:{port}"),
            Tls::StartTls => format!("smtp://{userinfo}@localhost:{port}?tls=required"),
        })
        .await;
        (sink, ca_pem)
    }

    async fn listen(secure: Option<Secure>, url: impl FnOnce(u16) -> String) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let sink = SmtpSink {
            url: url(port),
            secure,
            ..SmtpSink::default()
        };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(stream).await;
                });
            }
        });
        sink
    }

    pub fn refuse(&self, on: bool) {
        self.refuse.store(on, Ordering::SeqCst);
    }

    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn logins(&self) -> Vec<String> {
        self.logins.lock().map(|m| m.clone()).unwrap_or_default()
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let mut io: Box<dyn Io> = match &self.secure {
            Some(s) if s.mode == Tls::Implicit => Box::new(s.acceptor.accept(stream).await?),
            _ => Box::new(stream),
        };
        let mut encrypted = matches!(&self.secure, Some(s) if s.mode == Tls::Implicit);
        let mut greet = true;
        loop {
            match self.conversation(io, encrypted, greet).await? {
                Next::Done => return Ok(()),
                Next::StartTls(plain) => {
                    let Some(s) = &self.secure else {
                        return Ok(());
                    };
                    io = Box::new(s.acceptor.accept(plain).await?);
                    encrypted = true;
                    greet = false;
                }
            }
        }
    }

    /// One conversation on `io` until QUIT, the end, or STARTTLS (RFC 3207 §4.2: the
    /// client starts again from EHLO over TLS, knowing nothing from before).
    async fn conversation(
        &self,
        io: Box<dyn Io>,
        encrypted: bool,
        greet: bool,
    ) -> std::io::Result<Next> {
        let (read, mut write) = tokio::io::split(io);
        let mut lines = BufReader::new(read);
        if greet {
            write.write_all(b"220 sink.test ESMTP\r\n").await?;
        }
        let mut user: Option<String> = None;
        let mut line = String::new();
        loop {
            if read_line(&mut lines, &mut line).await? == 0 {
                return Ok(Next::Done);
            }
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            let must_starttls = !encrypted && self.secure.is_some();
            match verb.as_str() {
                "EHLO" => {
                    let mut reply = String::from("250-sink.test\r\n");
                    if must_starttls {
                        reply.push_str("250-STARTTLS\r\n");
                    } else if self.secure.is_some() {
                        reply.push_str("250-AUTH PLAIN LOGIN\r\n");
                    }
                    reply.push_str("250 8BITMIME\r\n");
                    write.write_all(reply.as_bytes()).await?;
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await?;
                    return Ok(Next::Done);
                }
                "STAR" if must_starttls => {
                    write.write_all(b"220 2.0.0 ready to start TLS\r\n").await?;
                    write.flush().await?;
                    return Ok(Next::StartTls(lines.into_inner().unsplit(write)));
                }
                _ if must_starttls => {
                    write
                        .write_all(b"530 5.7.0 Must issue a STARTTLS command first\r\n")
                        .await?
                }
                "AUTH" => {
                    let Some(secure) = &self.secure else {
                        write.write_all(b"502 5.5.1 no AUTH here\r\n").await?;
                        continue;
                    };
                    let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
                    let mechanism = words.get(1).map(|m| m.to_ascii_uppercase());
                    let given = match mechanism.as_deref() {
                        Some("PLAIN") => {
                            let response = match words.get(2) {
                                Some(r) => r.clone(),
                                None => {
                                    write.write_all(b"334 \r\n").await?;
                                    read_line(&mut lines, &mut line).await?;
                                    line.trim().to_owned()
                                }
                            };
                            let decoded = decode(&response);
                            let mut parts = decoded.split('\0').skip(1);
                            parts
                                .next()
                                .zip(parts.next())
                                .map(|(u, p)| (u.to_owned(), p.to_owned()))
                        }
                        Some("LOGIN") => {
                            write.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                            read_line(&mut lines, &mut line).await?;
                            let u = decode(line.trim());
                            write.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                            read_line(&mut lines, &mut line).await?;
                            Some((u, decode(line.trim())))
                        }
                        _ => None,
                    };
                    if given.as_ref() == Some(&secure.login) {
                        user = given.map(|(u, _)| u);
                        write
                            .write_all(b"235 2.7.0 Authentication successful\r\n")
                            .await?;
                    } else {
                        write
                            .write_all(b"535 5.7.8 Authentication credentials invalid\r\n")
                            .await?;
                    }
                }
                "MAIL" if self.secure.is_some() && user.is_none() => {
                    write
                        .write_all(b"530 5.7.0 Authentication required\r\n")
                        .await?
                }
                "RCPT" if self.refuse.load(Ordering::SeqCst) => {
                    write.write_all(b"451 4.3.0 try again later\r\n").await?
                }
                "DATA" => {
                    write.write_all(b"354 go on\r\n").await?;
                    let mut message = String::new();
                    loop {
                        if read_line(&mut lines, &mut line).await? == 0 {
                            return Ok(Next::Done);
                        }
                        if line == ".\r\n" {
                            break;
                        }
                        message.push_str(&line);
                    }
                    if let Ok(mut m) = self.messages.lock() {
                        m.push(message);
                    }
                    if let (Some(u), Ok(mut l)) = (&user, self.logins.lock()) {
                        l.push(u.clone());
                    }
                    write.write_all(b"250 2.0.0 queued\r\n").await?;
                }
                _ => write.write_all(b"250 OK\r\n").await?,
            }
        }
    }
}

/// The next line of the conversation into `line`; 0 at the end.
async fn read_line(
    lines: &mut BufReader<tokio::io::ReadHalf<Box<dyn Io>>>,
    line: &mut String,
) -> std::io::Result<usize> {
    line.clear();
    lines.read_line(line).await
}

fn decode(b64: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// An authority of the test's own, and a server certificate for `localhost` it signs.
fn authority() -> (tokio_rustls::TlsAcceptor, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let fail = |e: rcgen::Error| -> ! { panic!("certificate: {e}") };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| fail(e));
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Ecrin test mail authority");
    let ca_key = KeyPair::generate().unwrap_or_else(|e| fail(e));
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).unwrap_or_else(|e| fail(e));
    let key = KeyPair::generate().unwrap_or_else(|e| fail(e));
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap_or_else(|e| fail(e))
        .signed_by(&key, &ca)
        .unwrap_or_else(|e| fail(e));
    let private = tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| panic!("{e}"))
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], private)
        .unwrap_or_else(|e| panic!("{e}"));
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), ca.pem())
}

/// Undoes quoted-printable soft breaks and `=3D`, enough to read links in a body.
pub fn unfold(message: &str) -> String {
    message.replace("=\r\n", "").replace("=3D", "=")
}
