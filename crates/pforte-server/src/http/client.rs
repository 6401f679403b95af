//! Who is on the other end, for limits only: the client's address as a key, never stored,
//! never logged.
//!
//! Behind a reverse proxy every connection comes from the proxy. With `--trusted-proxies`
//! the server believes `X-Forwarded-For` from those addresses (and only from them): the
//! client is the rightmost address in the header that is not itself a trusted proxy. IPv6
//! clients are keyed by their /64 (one household or phone gets one, and can pick any address
//! inside it), IPv4-mapped IPv6 addresses as IPv4.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::error::AppError;
use crate::reception::Reception;

/// The key of a client for limits: an IPv4 address or an IPv6 /64 prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    pub fn of(address: IpAddr) -> Self {
        match address {
            IpAddr::V4(v4) => Self(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(IpAddr::V4(v4)),
                None => {
                    let bits = u128::from(v6) & !((1u128 << 64) - 1);
                    Self(IpAddr::V6(Ipv6Addr::from(bits)))
                }
            },
        }
    }
}

/// The addresses whose `X-Forwarded-For` is believed.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrustedProxies<'a>(&'a [IpNet]);

impl<'a> TrustedProxies<'a> {
    pub fn new(nets: &'a [IpNet]) -> Self {
        Self(nets)
    }

    pub fn trusts(&self, address: IpAddr) -> bool {
        let address = ClientKey::unmapped(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address: the peer, or, if the peer is a trusted proxy, the rightmost
    /// untrusted address of `X-Forwarded-For` (a malformed header counts as absent).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut hops: Vec<IpAddr> = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            let Ok(text) = value.to_str() else {
                return peer;
            };
            for hop in text.split(',') {
                match hop.trim().parse::<IpAddr>() {
                    Ok(address) => hops.push(address),
                    Err(_) => return peer,
                }
            }
        }
        hops.into_iter()
            .rev()
            .find(|hop| !self.trusts(*hop))
            .unwrap_or(peer)
    }
}

impl ClientKey {
    fn unmapped(address: IpAddr) -> IpAddr {
        match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        }
    }
}

/// The client of a request, as a key for limits.
#[derive(Clone, Copy, Debug)]
pub struct Client(pub ClientKey);

impl FromRequestParts<Arc<Reception>> for Client {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        reception: &Arc<Reception>,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip())
            .ok_or_else(|| AppError::internal("no peer address", &"ConnectInfo missing"))?;
        let address =
            TrustedProxies::new(&reception.settings.trusted_proxies).client(peer, &parts.headers);
        Ok(Client(ClientKey::of(address)))
    }
}

/// Parse a trusted proxy: an address (`10.0.0.1`) or a network (`10.0.0.0/8`).
pub fn parse_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is neither an IP address nor a network like 10.0.0.0/8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in xff {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_ipv6_client_is_keyed_by_its_64_prefix_and_a_mapped_ipv4_as_ipv4() {
        assert_eq!(
            ClientKey::of(ip("2001:db8:1:2:aaaa::1")),
            ClientKey::of(ip("2001:db8:1:2:ffff:1:2:3"))
        );
        assert_ne!(
            ClientKey::of(ip("2001:db8:1:2::1")),
            ClientKey::of(ip("2001:db8:1:3::1"))
        );
        assert_eq!(
            ClientKey::of(ip("::ffff:192.0.2.7")),
            ClientKey::of(ip("192.0.2.7"))
        );
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let none = TrustedProxies::default();
        let nets: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            none.client(ip("10.0.0.1"), &headers(&["203.0.113.9"])),
            ip("10.0.0.1")
        );
        let proxy = TrustedProxies::new(&nets);
        assert_eq!(
            proxy.client(ip("10.0.0.1"), &headers(&["203.0.113.9"])),
            ip("203.0.113.9")
        );
        assert_eq!(
            proxy.client(ip("192.0.2.1"), &headers(&["203.0.113.9"])),
            ip("192.0.2.1")
        );
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop_so_a_forged_left_part_changes_nothing() {
        let nets: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxies = TrustedProxies::new(&nets);
        assert_eq!(
            proxies.client(
                ip("10.0.0.1"),
                &headers(&["1.2.3.4, 203.0.113.9, 10.0.0.7"])
            ),
            ip("203.0.113.9")
        );
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &headers(&["1.2.3.4", "203.0.113.9"])),
            ip("203.0.113.9")
        );
        // Only proxies in the chain: the nearest is what we know.
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &headers(&["10.0.0.9"])),
            ip("10.0.0.1")
        );
        // Malformed: fall back to the peer.
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &headers(&["not an address"])),
            ip("10.0.0.1")
        );
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &headers(&[])),
            ip("10.0.0.1")
        );
    }
}
