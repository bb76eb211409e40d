//! sessctl's stand-in for `webpki-roots`: no public root certificates.
//!
//! The `mysql` driver (28.x) builds its TLS trust store from `webpki_roots::TLS_SERVER_ROOTS`
//! plus the `ssl-ca` file, with no way to leave the first out. With Mozilla's roots in
//! it, `ssl-mode=VERIFY_CA` (which checks no host name) would accept a certificate that any
//! public CA issued for any name, and `ssl-ca` would widen trust instead of naming it. With
//! this crate in their place the store holds the `ssl-ca` certificates and one anchor that
//! no certificate can chain to, so the driver trusts exactly the CA it is given.
//!
//! The anchor is there because the driver's verifier refuses an empty store, also in the
//! modes that check nothing (`REQUIRED` without `ssl-ca`, `PREFERRED`). Its subject names
//! no real CA, and its key is an X25519 key: a key-agreement algorithm, which no signature
//! algorithm uses, so webpki verifies no certificate signature with it, whatever a
//! certificate that names this subject as its issuer carries. (A signing key would need
//! care: the all-zero Ed25519 key, say, is a small-order point, with which signatures can
//! be forged.)
//!
//! sessctl's own PostgreSQL TLS takes Mozilla's roots from `webpki-root-certs` instead.

#![no_std]
#![forbid(unsafe_code)]

use pki_types::{Der, TrustAnchor};

/// One anchor that matches no issuer, and nothing else.
pub const TLS_SERVER_ROOTS: &[TrustAnchor<'static>] = &[TrustAnchor {
    // Name: CN=sessctl: no public roots; MySQL TLS trusts ssl-ca only
    subject: Der::from_slice(b"\x31\x3f\x30\x3d\x06\x03\x55\x04\x03\x0c\x36\x73\x65\x73\x73\x63\x74\x6c\x3a\x20\x6e\x6f\x20\x70\x75\x62\x6c\x69\x63\x20\x72\x6f\x6f\x74\x73\x3b\x20\x4d\x79\x53\x51\x4c\x20\x54\x4c\x53\x20\x74\x72\x75\x73\x74\x73\x20\x73\x73\x6c\x2d\x63\x61\x20\x6f\x6e\x6c\x79"),
    // SubjectPublicKeyInfo: X25519 (1.3.101.110), all-zero key
    subject_public_key_info: Der::from_slice(b"\x30\x05\x06\x03\x2b\x65\x6e\x03\x21\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
    name_constraints: None,
}];
