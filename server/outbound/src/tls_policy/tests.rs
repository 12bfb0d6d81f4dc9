//! Unit tests of the policies: session results, bounded texts, the TLS-RPT details.

use super::*;

fn sts(mode: &str) -> Policy {
    Policy::parse(&format!(
        "version: STSv1\nmode: {mode}\nmx: mx.d.test\nmax_age: 86400\n"
    ))
    .unwrap()
}

/// RFC 8460 §4.3: the result of one session under each kind of policy.
#[test]
fn sessions_are_named() {
    let enforce = sts("enforce");
    let policy = Some(&enforce);
    // No STARTTLS (or refused), whatever the policy.
    for (dane, sts) in [(true, None), (false, policy), (false, None)] {
        assert_eq!(
            session_result(false, dane, sts, "mx.d.test", None),
            Some("starttls-not-supported")
        );
    }
    assert_eq!(session_result(true, false, policy, "mx.d.test", None), None);
    assert_eq!(
        session_result(
            true,
            false,
            policy,
            "mx.d.test",
            Some("certificate-expired")
        ),
        Some("certificate-expired")
    );
    // A host the policy does not name.
    assert_eq!(
        session_result(true, false, policy, "mx.other.test", None),
        Some("validation-failure")
    );
    // DANE decides alone: the MTA-STS policy's hosts do not matter (RFC 8461 §2).
    assert_eq!(
        session_result(true, true, policy, "mx.other.test", None),
        None
    );
    assert_eq!(
        session_result(true, true, None, "mx.d.test", Some("tlsa-invalid")),
        Some("tlsa-invalid")
    );
    // Without a policy, TLS is a success whatever the certificate.
    assert_eq!(
        session_result(
            true,
            false,
            None,
            "mx.d.test",
            Some("certificate-not-trusted")
        ),
        None
    );
}

/// RFC 8460 §4.4: reason codes and greeting names are kept on one line and bounded.
#[test]
fn reasons_are_bounded() {
    assert_eq!(
        bounded("454 4.7.0 TLS\r\nnot now", 200),
        "454 4.7.0 TLS  not now"
    );
    let long = "é".repeat(150);
    let cut = bounded(&long, MAX_REASON);
    assert_eq!(cut.len(), 200);
    assert_eq!(bounded("abc", 2), "ab");
    assert_eq!(bounded("aé", 2), "a");
}

/// RFC 8460 §4.4: the policy a result is reported under.
#[test]
fn results_name_their_policy() {
    let record = kantor_dns::Tlsa {
        usage: 2,
        selector: 1,
        matching: 1,
        data: vec![0xab, 0x01],
    };
    assert_eq!(
        policy_of("tlsa-invalid", Some(&[record][..]), None),
        ("tlsa", "2 1 1 ab01".to_string())
    );
    let testing = sts("testing");
    assert_eq!(
        policy_of("success", None, Some(&testing)),
        (
            "sts",
            "version: STSv1\nmode: testing\nmx: mx.d.test\nmax_age: 86400".to_string()
        )
    );
    assert_eq!(policy_of("dnssec-invalid", None, None).0, "tlsa");
    assert_eq!(policy_of("sts-policy-fetch-error", None, None).0, "sts");
    assert_eq!(policy_of("sts-webpki-invalid", None, None).0, "sts");
    assert_eq!(
        policy_of("starttls-not-supported", None, None).0,
        "no-policy-found"
    );
}
