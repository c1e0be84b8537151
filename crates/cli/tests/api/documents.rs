//! Issue 22 points 2 and 3 (in part): blank forms over the API, headed with the bureau's name and
//! marked demo for the demo organisation; every demo name and address renders with a glyph.

use crate::helpers::TestApp;
use crate::on_both_backends;
use app::seed::DEMO_PASSWORD;
use domain::Actor;

/// The text of a PDF (`pdftotext`, from poppler-utils); `None` with the reason printed where
/// the tool is absent (`.ci/run` installs it).
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
    {
        Ok(out) => Some(
            String::from_utf8(out.stdout)
                .unwrap()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect(),
        ),
        Err(e) => {
            eprintln!("SKIPPED text extraction: pdftotext not found ({e})");
            None
        }
    }
}

async fn blank_forms(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let officer = app.login("menghai.officer", DEMO_PASSWORD).await;
    let get = |token: Option<String>, path: &'static str| {
        let app = &app;
        async move {
            let mut req = app.client.get(app.url(path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let kind = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (status, kind, r.bytes().await.unwrap().to_vec())
        }
    };
    for path in [
        "/api/v1/documents/blank/inspection_record.pdf",
        "/api/v1/documents/blank/registration_approval.pdf",
        "/api/v1/documents/blank/questioning_record.pdf",
        "/api/v1/documents/blank/sampling_record.pdf",
        "/api/v1/documents/blank/preservation_notice.pdf",
        "/api/v1/documents/blank/investigation_report.pdf",
        "/api/v1/documents/blank/review_opinion.pdf",
        "/api/v1/documents/blank/recusal_decision.pdf",
    ] {
        let (s, kind, body) = get(Some(officer.clone()), path).await;
        assert_eq!((s, kind.as_str()), (200, "application/pdf"), "{path}");
        assert!(body.starts_with(b"%PDF-"));
        if let Some(text) = pdf_text(&body) {
            assert!(text.contains("西双版纳傣族自治州生态环境局"), "{text}");
            assert!(
                text.contains("演示数据"),
                "the demo organisation's forms say so"
            );
        }
    }
    let (s, _, body) = get(
        Some(officer.clone()),
        "/api/v1/documents/blank/inspection_record.pdf",
    )
    .await;
    if let Some(text) = pdf_text(&body) {
        assert_eq!(s, 200);
        assert!(text.contains("现场检查（勘察）笔录") && text.contains("以上笔录已阅"));
    }
    let (s, _, _) = get(None, "/api/v1/documents/blank/inspection_record.pdf").await;
    assert_eq!(s, 401);
    let liaison = app.login("mengzhe.liaison", DEMO_PASSWORD).await;
    let (s, _, _) = get(
        Some(liaison),
        "/api/v1/documents/blank/inspection_record.pdf",
    )
    .await;
    assert_eq!(s, 403, "a liaison reads no cases");
    for bad in [
        "/api/v1/documents/blank/no_such.pdf",
        "/api/v1/documents/blank/inspection_record",
    ] {
        let (s, _, body) = get(Some(officer.clone()), bad).await;
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(s, 404, "{bad}");
        assert_eq!(body["errors"][0]["code"], "document.unknown_kind");
    }

    // Every demo entity's name, address and representative, and every demo person's name,
    // have glyphs in the embedded font.
    let entities = app
        .app
        .entities(&Actor::System, &app::EntityFilter::default(), 1, 1000)
        .await
        .unwrap()
        .items;
    assert!(!entities.is_empty());
    let mut texts: Vec<String> = entities
        .iter()
        .flat_map(|e| {
            [
                e.data.name.clone(),
                e.data.address.clone(),
                e.data.legal_representative.clone(),
            ]
        })
        .collect();
    let people = app.app.people().await.unwrap();
    texts.extend(
        people
            .all()
            .into_iter()
            .map(|(_, p)| p.display_name.clone()),
    );
    texts.extend(
        app.app
            .units()
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.name_zh),
    );
    let pdf = app
        .app
        .render_document(
            "registration_approval",
            serde_json::json!({"summary": texts.join("；"), "demo": true}),
        )
        .await
        .unwrap();
    if pdf.missing.contains(&'西') {
        eprintln!("SKIPPED the glyph check: no CJK font; apt-get install fonts-noto-cjk");
        return;
    }
    assert!(pdf.missing.is_empty(), "no glyph for {:?}", pdf.missing);
}

on_both_backends!(blank_forms);
