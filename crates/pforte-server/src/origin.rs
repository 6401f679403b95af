//! A web origin that may embed Pforte (the chat button and the asker page), as an operator
//! writes it: parsed once, stored and compared in the form browsers send in `Origin`.
//!
//! Only `https://` origins: an embedding page over plain http could be changed on the way.
//! `http://` is allowed for this machine only (`localhost`, `127.0.0.1`, `[::1]`), for tests
//! and local trials.

use std::fmt;
use std::str::FromStr;

use url::{Host, Url};

/// Scheme, host and port (the default port left out), lowercase, no trailing slash:
/// `https://www.caritas-beispiel.de`, `http://127.0.0.1:8081`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmbedOrigin(String);

/// Why a text is not an origin that may embed Pforte. Each has a stable [`code`](Self::code).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    #[error("\"{0}\" is not a web origin; write it as https://www.example.org")]
    NotAnOrigin(String),
    #[error(
        "\"{0}\" is not https: only https:// websites may embed the chat \
         (http:// only on this machine: localhost, 127.0.0.1)"
    )]
    NotHttps(String),
    #[error("\"{0}\" has a path; an origin is scheme, host and port only: {1}")]
    HasPath(String, String),
    #[error("\"{0}\" has a query or fragment; an origin is scheme, host and port only: {1}")]
    HasQuery(String, String),
    #[error("\"{0}\" has a user name or password; an origin is scheme, host and port only")]
    HasCredentials(String),
    #[error("\"{0}\" has a wildcard; name each website on its own")]
    Wildcard(String),
}

impl OriginError {
    /// The stable code of the refusal (for scripts and the future console).
    pub fn code(&self) -> &'static str {
        match self {
            OriginError::NotAnOrigin(_) => "origin_invalid",
            OriginError::NotHttps(_) => "origin_not_https",
            OriginError::HasPath(..) => "origin_has_path",
            OriginError::HasQuery(..) => "origin_has_query",
            OriginError::HasCredentials(_) => "origin_has_credentials",
            OriginError::Wildcard(_) => "origin_wildcard",
        }
    }
}

fn is_this_machine(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => *name == "localhost",
        Host::Ipv4(ip) => *ip == std::net::Ipv4Addr::LOCALHOST,
        Host::Ipv6(ip) => *ip == std::net::Ipv6Addr::LOCALHOST,
    }
}

impl EmbedOrigin {
    /// Parse an origin. A single trailing slash is forgiven (it is what a browser's address
    /// bar shows); anything else after the host and port is refused, not cut off.
    /// International domain names become their ASCII form (`xn--…`), as browsers send them.
    pub fn parse(text: &str) -> Result<Self, OriginError> {
        let text = text.trim();
        let owned = || text.to_owned();
        if text.contains('*') {
            return Err(OriginError::Wildcard(owned()));
        }
        let url = Url::parse(text).map_err(|_| OriginError::NotAnOrigin(owned()))?;
        let host = match url.host() {
            Some(host) if !url.cannot_be_a_base() => host,
            _ => return Err(OriginError::NotAnOrigin(owned())),
        };
        // The URL standard lets `;`, `'` and the like into a domain; a host name has letters,
        // digits, `-`, `_` and dots only (which also keeps it safe inside a CSP header).
        if let Host::Domain(name) = host {
            let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
            if !name.chars().all(fine) || name.split('.').any(str::is_empty) {
                return Err(OriginError::NotAnOrigin(owned()));
            }
        }
        match url.scheme() {
            "https" => {}
            "http" if is_this_machine(&host) => {}
            _ => return Err(OriginError::NotHttps(owned())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(OriginError::HasCredentials(owned()));
        }
        let origin = url.origin().ascii_serialization();
        if url.query().is_some() || url.fragment().is_some() {
            return Err(OriginError::HasQuery(owned(), origin));
        }
        if url.path() != "/" {
            return Err(OriginError::HasPath(owned(), origin));
        }
        Ok(Self(origin))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a request's `Origin` header names this origin. Browsers send it in exactly
    /// this form; case is ignored all the same.
    pub fn matches(&self, header: &str) -> bool {
        self.0.eq_ignore_ascii_case(header.trim())
    }
}

impl FromStr for EmbedOrigin {
    type Err = OriginError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for EmbedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// For `clap`: an origin, or the refusal with its code.
pub fn parse_for_cli(text: &str) -> Result<EmbedOrigin, String> {
    EmbedOrigin::parse(text).map_err(|e| format!("{}: {e}", e.code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> String {
        EmbedOrigin::parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .to_string()
    }

    fn code(text: &str) -> &'static str {
        EmbedOrigin::parse(text)
            .map(|o| panic!("{text} was taken as {o}"))
            .unwrap_err()
            .code()
    }

    #[test]
    fn an_https_origin_is_kept_as_browsers_send_it() {
        assert_eq!(
            ok("https://www.caritas-beispiel.de"),
            "https://www.caritas-beispiel.de"
        );
        assert_eq!(ok("  HTTPS://WWW.Example.ORG/ "), "https://www.example.org");
        assert_eq!(ok("https://example.org:443"), "https://example.org");
        assert_eq!(ok("https://example.org:8443"), "https://example.org:8443");
        assert_eq!(ok("https://192.0.2.7"), "https://192.0.2.7");
    }

    #[test]
    fn an_international_domain_name_becomes_its_ascii_form() {
        assert_eq!(
            ok("https://bücher-beratung.de"),
            "https://xn--bcher-beratung-gsb.de"
        );
    }

    #[test]
    fn plain_http_is_allowed_for_this_machine_only() {
        assert_eq!(ok("http://127.0.0.1:8081"), "http://127.0.0.1:8081");
        assert_eq!(ok("http://localhost:3000"), "http://localhost:3000");
        assert_eq!(ok("http://[::1]:3000"), "http://[::1]:3000");
        assert_eq!(code("http://www.example.org"), "origin_not_https");
        assert_eq!(code("http://127.0.0.2"), "origin_not_https");
        assert_eq!(code("ftp://example.org"), "origin_not_https");
        assert_eq!(code("file:///etc/passwd"), "origin_invalid");
    }

    #[test]
    fn a_path_query_fragment_or_login_is_refused_not_cut_off() {
        assert_eq!(code("https://example.org/beratung"), "origin_has_path");
        assert_eq!(code("https://example.org//"), "origin_has_path");
        assert_eq!(code("https://example.org/?a=1"), "origin_has_query");
        assert_eq!(code("https://example.org#top"), "origin_has_query");
        assert_eq!(
            code("https://anna:pw@example.org"),
            "origin_has_credentials"
        );
        let error = EmbedOrigin::parse("https://example.org/beratung").unwrap_err();
        assert!(
            error.to_string().ends_with("https://example.org"),
            "the message shows what to write instead: {error}"
        );
    }

    #[test]
    fn what_is_no_origin_at_all_is_refused_with_a_code() {
        for text in [
            "",
            "www.example.org",
            "example.org:443",
            "https://",
            "https:// example.org",
            "null",
            "'self'",
            "https://exa mple.org",
            "https://example.org; script-src self",
            "https://example.org;sandbox",
            "https://exa'mple.org",
            "https://example..org",
        ] {
            let error = EmbedOrigin::parse(text).unwrap_err();
            assert!(
                matches!(
                    error.code(),
                    "origin_invalid" | "origin_not_https" | "origin_has_path"
                ),
                "{text:?}: {error:?}"
            );
        }
        assert_eq!(code("https://*.example.org"), "origin_wildcard");
        assert_eq!(code("*"), "origin_wildcard");
    }

    #[test]
    fn an_origin_header_matches_only_the_same_origin() {
        let origin = EmbedOrigin::parse("https://www.example.org").unwrap();
        assert!(origin.matches("https://www.example.org"));
        assert!(origin.matches("HTTPS://WWW.EXAMPLE.ORG"));
        assert!(!origin.matches("http://www.example.org"));
        assert!(!origin.matches("https://www.example.org:8443"));
        assert!(!origin.matches("https://example.org"));
        assert!(!origin.matches("https://www.example.org.evil.test"));
        assert!(!origin.matches("null"));
    }
}
