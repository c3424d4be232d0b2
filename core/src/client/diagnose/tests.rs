//! The diagnosis of every common mistake, case by case.
use super::*;

fn answer(status: u16, body: &str) -> Probe {
    Probe::Answer {
        status,
        body: body.into(),
    }
}

fn no_answer(reachable: Option<bool>) -> Probe {
    Probe::NoAnswer {
        message: "Failed to fetch".into(),
        timed_out_after: None,
        reachable,
    }
}

const PAGE: Option<&str> = Some("http://127.0.0.1:8080");

#[test]
fn a_healthy_server_gives_its_version() {
    let ok = answer(200, r#"{"version":"0.16.8","status":"ok"}"#);
    assert_eq!(
        diagnose("http://127.0.0.1:8283", PAGE, false, &ok),
        Ok("0.16.8".into())
    );
    assert_eq!(
        diagnose("http://127.0.0.1:8283/", PAGE, false, &ok),
        Ok("0.16.8".into())
    );
}

#[test]
fn trailing_v1_is_named_and_fixed() {
    let e = diagnose(
        "http://127.0.0.1:8283/v1",
        PAGE,
        false,
        &answer(404, r#"{"detail":"Not Found"}"#),
    )
    .unwrap_err();
    assert_eq!(e.suggested_url(), Some("http://127.0.0.1:8283"));
    assert!(e.to_string().contains("ends in /v1"), "{e}");
    assert_eq!(e.title(), "wrong server URL");
    let e = diagnose("https://api.example.com/V1/", None, false, &answer(404, "")).unwrap_err();
    assert_eq!(e.suggested_url(), Some("https://api.example.com"));
}

#[test]
fn another_path_suggests_the_origin() {
    let e = diagnose(
        "http://127.0.0.1:8283/letta/api",
        PAGE,
        false,
        &answer(404, r#"{"detail":"Not Found"}"#),
    )
    .unwrap_err();
    assert!(matches!(e, ConnectionProblem::ExtraPath { .. }), "{e:?}");
    assert_eq!(e.suggested_url(), Some("http://127.0.0.1:8283"));
}

#[test]
fn https_to_a_local_server_suggests_http() {
    let e = diagnose(
        "https://127.0.0.1:8283",
        PAGE,
        false,
        &no_answer(Some(false)),
    )
    .unwrap_err();
    assert_eq!(e.suggested_url(), Some("http://127.0.0.1:8283"));
    assert!(e.to_string().contains("plain HTTP"), "{e}");
    let e = diagnose("https://localhost:8283", PAGE, false, &no_answer(None)).unwrap_err();
    assert_eq!(e.suggested_url(), Some("http://localhost:8283"));
}

#[test]
fn mixed_content_is_explained() {
    let e = diagnose(
        "http://letta.internal:8283",
        Some("https://canary.example.com"),
        false,
        &no_answer(None),
    )
    .unwrap_err();
    assert!(matches!(e, ConnectionProblem::MixedContent { .. }), "{e:?}");
    assert!(e.to_string().contains("mixed content"), "{e}");
}

#[test]
fn nothing_listening_on_another_port_names_the_default() {
    let e = diagnose(
        "http://127.0.0.1:8293",
        PAGE,
        false,
        &no_answer(Some(false)),
    )
    .unwrap_err();
    assert_eq!(e.title(), "server not running");
    let text = e.to_string();
    assert!(
        text.contains("port 8283") && text.contains("(8293 here)"),
        "{text}"
    );
    let e = diagnose(
        "http://127.0.0.1:8283",
        PAGE,
        false,
        &no_answer(Some(false)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("make letta-up"), "{e}");
    assert!(!e.to_string().contains("here)"), "{e}");
    let e = diagnose("http://127.0.0.1", PAGE, false, &no_answer(Some(false))).unwrap_err();
    assert!(e.to_string().contains("(80 here)"), "{e}");
}

#[test]
fn a_refused_origin_names_the_setting() {
    let e = diagnose(
        "http://127.0.0.1:8283",
        Some("http://127.0.0.1:8090"),
        false,
        &no_answer(Some(true)),
    )
    .unwrap_err();
    assert_eq!(e.title(), "origin refused");
    let text = e.to_string();
    assert!(text.contains("refuses this page's origin"), "{text}");
    assert!(
        text.contains("ACCEPTABLE_ORIGINS=http://127.0.0.1:8090"),
        "{text}"
    );
    // Unknown whether anything listens: both causes, with the setting.
    let e = diagnose(
        "http://127.0.0.1:8283",
        Some("http://127.0.0.1:8090"),
        false,
        &no_answer(None),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("ACCEPTABLE_ORIGINS=http://127.0.0.1:8090"),
        "{e}"
    );
    assert!(e.to_string().contains("not running"), "{e}");
}

#[test]
fn a_timeout_says_how_long() {
    let p = Probe::NoAnswer {
        message: "aborted".into(),
        timed_out_after: Some(8),
        reachable: None,
    };
    let e = diagnose("http://127.0.0.1:8283", PAGE, false, &p).unwrap_err();
    assert_eq!(e.title(), "server timed out");
    assert!(e.to_string().contains("within 8 s"), "{e}");
}

#[test]
fn a_web_page_is_not_the_api() {
    let page = "<!DOCTYPE html><html><body>Welcome</body></html>";
    let e = diagnose("http://127.0.0.1:9000", PAGE, false, &answer(200, page)).unwrap_err();
    assert!(
        matches!(e, ConnectionProblem::Html { status: 200, .. }),
        "{e:?}"
    );
    assert!(!e.to_string().contains("line 1 column 1"));
    assert_eq!(e.title(), "not a Letta server");
    // This app's own address.
    let e = diagnose("http://127.0.0.1:8080", PAGE, false, &answer(200, page)).unwrap_err();
    assert!(matches!(e, ConnectionProblem::ThisApp { .. }), "{e:?}");
    let e = diagnose(
        "http://localhost:8080",
        Some("http://localhost:8080"),
        false,
        &answer(404, page),
    )
    .unwrap_err();
    assert!(matches!(e, ConnectionProblem::ThisApp { .. }), "{e:?}");
    // A proxy's error page.
    let e = diagnose(
        "https://letta.example.com",
        None,
        false,
        &answer(502, "<html>Bad gateway</html>"),
    )
    .unwrap_err();
    assert!(
        matches!(e, ConnectionProblem::Html { status: 502, .. }),
        "{e:?}"
    );
}

#[test]
fn other_answers_that_are_not_letta() {
    let e = diagnose("http://127.0.0.1:9000", PAGE, false, &answer(200, "hello")).unwrap_err();
    assert!(matches!(e, ConnectionProblem::NotJson { .. }), "{e:?}");
    let e = diagnose(
        "http://127.0.0.1:9000",
        PAGE,
        false,
        &answer(200, r#"{"ok":true}"#),
    )
    .unwrap_err();
    assert!(matches!(e, ConnectionProblem::NotLetta { .. }), "{e:?}");
    let e = diagnose(
        "http://127.0.0.1:9000",
        PAGE,
        false,
        &answer(404, r#"{"error":"nope"}"#),
    )
    .unwrap_err();
    assert!(matches!(e, ConnectionProblem::NotLetta { .. }), "{e:?}");
}

#[test]
fn a_refused_key_says_whether_one_was_sent() {
    let body = r#"{"detail":"Invalid API key"}"#;
    let e = diagnose("https://api.letta.com", None, true, &answer(401, body)).unwrap_err();
    assert_eq!(e.title(), "API key refused");
    assert!(
        e.to_string()
            .contains("refused the API key (401) (Invalid API key)"),
        "{e}"
    );
    let e = diagnose("https://api.letta.com", None, false, &answer(401, body)).unwrap_err();
    assert!(e.to_string().contains("needs an API key"), "{e}");
}

#[test]
fn server_errors_and_bad_urls() {
    let e = diagnose(
        "http://127.0.0.1:8283",
        PAGE,
        false,
        &answer(500, r#"{"detail":"db down"}"#),
    )
    .unwrap_err();
    assert!(e.to_string().contains("error 500: db down"), "{e}");
    for bad in ["127.0.0.1:8283", "ftp://x", "http://", "http://h:99999"] {
        let e = diagnose(bad, PAGE, false, &no_answer(None)).unwrap_err();
        assert!(
            matches!(e, ConnectionProblem::InvalidUrl { .. }),
            "{bad}: {e:?}"
        );
    }
    let e = diagnose("http://[::1]:8300", PAGE, false, &no_answer(Some(false))).unwrap_err();
    assert!(e.to_string().contains("(8300 here)"), "{e}");
}

#[test]
fn not_json_words_a_web_page() {
    let m = not_json(
        "/agents/",
        "<html>hi</html>",
        "expected value at line 1 column 1",
    );
    assert!(
        m.contains("web page") && !m.contains("line 1 column 1"),
        "{m}"
    );
    let m = not_json("/agents/", "oops", "expected value at line 1 column 1");
    assert!(m.contains("not JSON") && m.contains("oops"), "{m}");
}
