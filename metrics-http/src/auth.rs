//! Who may read `/metrics`: an optional HTTP basic-auth or bearer-token check, compared in
//! constant time, shared by the standalone server and the framework integrations.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use subtle::ConstantTimeEq;

/// A credential that `/metrics` requires. Requests without it, or with a wrong one, get
/// `401 Unauthorized` with a `WWW-Authenticate` challenge and no metric data.
///
/// The secret is compared in constant time, so response timing does not reveal how much
/// of a guess was right (its length can still show, as with every such comparison).
/// `Debug` never prints it.
///
/// ```
/// use tallymark_http::Auth;
///
/// let auth = Auth::basic("prometheus", "s3cret");
/// // "prometheus:s3cret" in base64, as an HTTP client sends it.
/// assert!(auth.allows(Some(b"Basic cHJvbWV0aGV1czpzM2NyZXQ=")));
/// assert!(!auth.allows(Some(b"Basic cHJvbWV0aGV1czp3cm9uZw==")));
/// assert!(!auth.allows(None));
///
/// let token = Auth::bearer("abc123");
/// assert!(token.allows(Some(b"Bearer abc123")));
/// assert_eq!(token.challenge(), "Bearer realm=\"metrics\"");
/// ```
#[derive(Clone)]
pub struct Auth(Credential);

#[derive(Clone)]
enum Credential {
    /// `user:password`, as the decoded `Basic` credential must read.
    Basic(Box<[u8]>),
    /// The token a `Bearer` credential must equal.
    Bearer(Box<[u8]>),
}

impl Auth {
    /// Requires HTTP basic auth (RFC 7617) with this user and password.
    pub fn basic(user: &str, password: &str) -> Auth {
        Auth(Credential::Basic(
            format!("{user}:{password}").into_bytes().into(),
        ))
    }

    /// Requires `Authorization: Bearer <token>` (RFC 6750), as Prometheus sends with
    /// `authorization: {credentials: ...}` in a scrape config.
    pub fn bearer(token: &str) -> Auth {
        Auth(Credential::Bearer(token.as_bytes().into()))
    }

    /// Whether an `Authorization` header value carries the credential.
    pub fn allows(&self, authorization: Option<&[u8]>) -> bool {
        let Some(header) = authorization else {
            return false;
        };
        let (scheme, expected) = match &self.0 {
            Credential::Basic(expected) => ("Basic", expected),
            Credential::Bearer(expected) => ("Bearer", expected),
        };
        let Some(given) = strip_scheme(header, scheme) else {
            return false;
        };
        match &self.0 {
            Credential::Basic(_) => STANDARD
                .decode(given)
                .is_ok_and(|decoded| bool::from(decoded.ct_eq(expected))),
            Credential::Bearer(_) => bool::from(given.ct_eq(expected)),
        }
    }

    /// The `WWW-Authenticate` value a 401 answer carries, naming the scheme to use.
    pub fn challenge(&self) -> &'static str {
        match self.0 {
            Credential::Basic(_) => "Basic realm=\"metrics\", charset=\"UTF-8\"",
            Credential::Bearer(_) => "Bearer realm=\"metrics\"",
        }
    }

    /// Reads `USER:PASS`, as the examples' `--basic-auth` flag takes it.
    ///
    /// ```
    /// use tallymark_http::Auth;
    ///
    /// assert!(Auth::parse_basic("prometheus:s3cret").is_some());
    /// assert!(Auth::parse_basic("no-colon").is_none());
    /// ```
    pub fn parse_basic(user_and_password: &str) -> Option<Auth> {
        let (user, password) = user_and_password.split_once(':')?;
        Some(Auth::basic(user, password))
    }
}

/// The credential after `scheme` and whitespace; the scheme is matched without case, as
/// RFC 9110 says.
fn strip_scheme<'a>(header: &'a [u8], scheme: &str) -> Option<&'a [u8]> {
    let (given_scheme, rest) = header.split_at_checked(scheme.len())?;
    if !given_scheme.eq_ignore_ascii_case(scheme.as_bytes()) || rest.first() != Some(&b' ') {
        return None;
    }
    Some(rest.trim_ascii())
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.0 {
            Credential::Basic(_) => "Basic",
            Credential::Bearer(_) => "Bearer",
        };
        f.debug_tuple("Auth").field(&scheme).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_accepts_only_the_exact_credential() {
        let auth = Auth::basic("user", "pa:ss");
        let encode = |s: &str| format!("Basic {}", STANDARD.encode(s));
        assert!(auth.allows(Some(encode("user:pa:ss").as_bytes())));
        assert!(auth.allows(Some(
            format!("basic  {}", STANDARD.encode("user:pa:ss")).as_bytes()
        )));
        assert!(!auth.allows(Some(encode("user:pa:s").as_bytes())));
        assert!(!auth.allows(Some(encode("user:pa:sss").as_bytes())));
        assert!(!auth.allows(Some(b"Basic not base64!")));
        assert!(!auth.allows(Some(b"Bearer user:pa:ss")));
        assert!(!auth.allows(Some(b"Basic")));
        assert!(!auth.allows(Some(b"")));
    }

    #[test]
    fn bearer_tokens_compare_whole() {
        let auth = Auth::bearer("t0ken");
        assert!(auth.allows(Some(b"Bearer t0ken")));
        assert!(auth.allows(Some(b"bearer t0ken ")));
        assert!(!auth.allows(Some(b"Bearer t0ke")));
        assert!(!auth.allows(Some(b"Bearer t0ken2")));
        assert!(!auth.allows(Some(b"Bearert0ken")));
    }

    #[test]
    fn debug_hides_the_secret() {
        let shown = format!("{:?}", Auth::basic("user", "hunter2"));
        assert_eq!(shown, "Auth(\"Basic\", ..)");
    }
}
