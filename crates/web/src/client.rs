//! The client's address. Behind a reverse proxy that ends TLS (Caddy, nginx) every
//! connection comes from the proxy, so the rate limits per address (login, CHK-9's orders
//! per address and hour), the security log (PRV-5) and the record of acceptance (CHK-7)
//! would all name the proxy. From the peers of `ECRIN_TRUSTED_PROXIES` only, the address
//! is read from `X-Forwarded-For` (or, when a proxy sends none, RFC 7239's `Forwarded`),
//! right to left: the first entry that is not itself a trusted proxy is the client.
//! From anyone else those headers are ignored: a client cannot choose its own address.

use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Extensions, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The peers whose forwarding headers are believed: addresses or CIDR ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// `"127.0.0.1, 10.0.0.0/8, ::1"`: a list separated by commas or spaces; empty is none.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for item in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            let net = match item.parse::<IpNet>() {
                Ok(net) => net.trunc(),
                Err(_) => match item.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip),
                    Err(_) => {
                        return Err(format!(
                            "`{item}` is not an address or a range such as 10.0.0.0/8"
                        ));
                    }
                },
            };
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// The address a request is counted and recorded under, set once per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddr(pub IpAddr);

/// The client's address of a request that went through [`remember`]; the peer's otherwise.
pub(crate) fn of(extensions: &Extensions) -> IpAddr {
    extensions
        .get::<ClientAddr>()
        .map(|c| c.0)
        .or_else(|| {
            extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_canonical())
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Middleware: works out the client's address before anything counts or records it.
pub(crate) async fn remember(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let client = client_addr(peer, request.headers(), &state.trusted_proxies);
    request.extensions_mut().insert(ClientAddr(client));
    next.run(request).await
}

/// The client behind `peer`: the right-most address of the forwarding chain that is not a
/// trusted proxy. An entry that is not an address (`unknown`, an obfuscated name, garbage)
/// ends the walk at the last trusted hop, which is then the address recorded.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    let hops = if headers.contains_key("x-forwarded-for") {
        forwarded_for(headers)
    } else if headers.contains_key("forwarded") {
        forwarded(headers)
    } else {
        return peer;
    };
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) => {
                client = *ip;
                if !trusted.contains(*ip) {
                    return client;
                }
            }
            None => return client,
        }
    }
    client
}

/// Every `X-Forwarded-For` header, in order, split on commas.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| {
            let text = v.to_str().unwrap_or("\u{0}");
            text.split(',').map(|s| node(s.trim())).collect::<Vec<_>>()
        })
        .collect()
}

/// Every `for=` of RFC 7239's `Forwarded`, in order (one per forwarded element).
fn forwarded(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("forwarded")
        .iter()
        .flat_map(|v| {
            let text = v.to_str().unwrap_or("\u{0}");
            text.split(',')
                .map(|element| {
                    element
                        .split(';')
                        .filter_map(|pair| pair.split_once('='))
                        .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                        .and_then(|(_, v)| node(v.trim().trim_matches('"')))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A node as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]`, `[2001:db8::1]:4711`.
fn node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.starts_with(':')) {
            return None;
        }
        return inside.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
    }
    text.parse::<SocketAddr>()
        .ok()
        .map(|s| s.ip().to_canonical())
}

/// The origin (`scheme://host[:port]`) of a URL, default ports left out, in lower case.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let authority = match (scheme.as_str(), authority.rsplit_once(':')) {
        ("http", Some((host, "80"))) | ("https", Some((host, "443"))) if !host.ends_with(':') => {
            host.to_owned()
        }
        _ => authority,
    };
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn trusted(s: &str) -> TrustedProxies {
        TrustedProxies::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn chk_9_headers_from_an_untrusted_peer_are_ignored() {
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("forwarded", "for=198.51.100.8"),
        ]);
        assert_eq!(
            client_addr(ip("203.0.113.9"), &h, &trusted("10.0.0.0/8")),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_addr(ip("203.0.113.9"), &h, &TrustedProxies::default()),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn chk_9_the_right_most_untrusted_entry_is_the_client() {
        // A client that writes its own header gets it kept on the left by the proxy.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.0.0.2")]);
        let t = trusted("10.0.0.0/8");
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &t), ip("198.51.100.7"));
        // Several headers are one list.
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "198.51.100.7"),
        ]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &t), ip("198.51.100.7"));
        // Only proxies: the left-most of them.
        let h = headers(&[("x-forwarded-for", "10.0.0.5, 10.0.0.2")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &t), ip("10.0.0.5"));
        // No header: the proxy itself.
        assert_eq!(
            client_addr(ip("10.0.0.1"), &HeaderMap::new(), &t),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn chk_9_garbage_stops_at_the_last_trusted_hop() {
        let t = trusted("10.0.0.1 10.0.0.2");
        let h = headers(&[("x-forwarded-for", "198.51.100.7, unknown, 10.0.0.2")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &t), ip("10.0.0.2"));
        let h = headers(&[("x-forwarded-for", "198.51.100.7, 300.1.1.1")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &t), ip("10.0.0.1"));
    }

    #[test]
    fn chk_9_forwarded_of_rfc_7239_is_read_when_no_x_forwarded_for() {
        let t = trusted("::1, 127.0.0.1");
        let h = headers(&[(
            "forwarded",
            "for=192.0.2.43;proto=https, for=\"[2001:db8:cafe::17]:4711\";by=127.0.0.1",
        )]);
        assert_eq!(client_addr(ip("::1"), &h, &t), ip("2001:db8:cafe::17"));
        let h = headers(&[("forwarded", "For=\"192.0.2.60:8080\"")]);
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &t), ip("192.0.2.60"));
        let h = headers(&[("forwarded", "for=_hidden, for=198.51.100.1")]);
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &t), ip("198.51.100.1"));
    }

    #[test]
    fn mapped_v4_peers_count_as_v4() {
        let t = trusted("127.0.0.1");
        let h = headers(&[("x-forwarded-for", "[2001:db8::5]:443")]);
        assert_eq!(
            client_addr(ip("::ffff:127.0.0.1"), &h, &t),
            ip("2001:db8::5")
        );
    }

    #[test]
    fn a_bad_range_is_named() {
        assert!(
            TrustedProxies::parse("10.0.0.0/8, proxy.local")
                .is_err_and(|e| e.contains("proxy.local"))
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse(" ").is_ok_and(|t| t.is_empty()));
        assert!(trusted("10.1.2.3/8").contains(ip("10.200.0.1")));
    }

    #[test]
    fn origins_compare_without_default_ports() {
        assert_eq!(
            origin_of("https://Shop.example:443/fr/").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            origin_of("http://[::1]:80/x").as_deref(),
            Some("http://[::1]")
        );
        assert_eq!(origin_of("shop.example"), None);
    }
}
