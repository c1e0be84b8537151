use super::*;
use serde_json::json;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::new(&[]).expect("the fonts"));

/// Whether a CJK font is installed (Debian's `fonts-noto-cjk`, which `.ci/run` installs); the
/// tests that read Chinese text say why they skip without one.
fn cjk() -> bool {
    let found = ENGINE.fonts().covers('中');
    if !found {
        eprintln!("SKIPPED Chinese text checks: no CJK font; apt-get install fonts-noto-cjk");
    }
    found
}

/// The text of a PDF as `pdftotext` (poppler-utils) reads it; `None` (with the reason printed)
/// where the tool is absent — `.ci/run` installs it.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile_dir();
    let file = dir.join("doc.pdf");
    std::fs::write(&file, pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
    {
        Ok(out) if out.status.success() => Some(String::from_utf8(out.stdout).unwrap()),
        Ok(out) => panic!("pdftotext failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => {
            eprintln!(
                "SKIPPED text extraction: pdftotext not found ({e}); apt-get install poppler-utils"
            );
            None
        }
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "documents-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Text as pdftotext lays it out: without the spaces justification and table cells put in.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn maximal(kind: &str) -> serde_json::Value {
    let long_name = "西双版纳傣族自治州勐海县勐遮镇曼令村民委员会第三村民小组集体所有制养殖专业合作社（普通合伙）";
    let long_text =
        "经现场检查，该单位废水处理设施未正常运行，排污口有黑色废水直排入南览河，现场有明显异味。"
            .repeat(12);
    let number = "西环立（勐海）〔2026〕12号";
    let organ = "西双版纳傣族自治州生态环境局";
    let officers = json!([{"name": "勐海大队执法人员甲", "certificate": "53280001"},
                          {"name": "勐海大队执法人员乙", "certificate": "53280002"}]);
    let thirty = |what: &str| (0..30).map(|i| format!("{what}{i}")).collect::<Vec<_>>();
    match kind {
        "registration_approval" => json!({
            "organ": organ, "number": number, "demo": true,
            "source": "12369环保举报",
            "cause": "超过水污染物排放标准排放水污染物",
            "party": {"name": long_name, "address": "勐海县勐遮镇曼令村".repeat(4),
                      "id_label": "统一社会信用代码", "id_number": "92532822MA6N0K7Q3G",
                      "representative": "岩温"},
            "act_ended_on": "2026年11月30日",
            "legal_basis": (0..30).map(|i| format!("《中华人民共和国水污染防治法》第{}条", 80 + i)).collect::<Vec<_>>(),
            "summary": long_text,
            "handler": {"text": "建议立案调查。", "by": "勐海大队执法人员甲", "date": "2026年12月1日"},
            "approval": {"text": "同意立案。", "by": "局长", "date": "2026年12月2日"},
        }),
        "inspection_record" => json!({
            "organ": organ, "case_number": number,
            "cause": "超过水污染物排放标准排放水污染物",
            "started_at": "2026年12月2日9时30分", "ended_at": "2026年12月2日11时5分",
            "place": "勐海县勐遮镇曼令村养殖场排污口",
            "inspected": {"name": long_name, "address": "勐海县勐遮镇曼令村", "representative": "岩温"},
            "officers": officers, "present": thirty("在场人员"), "observed": long_text,
            "evidence": thirty("现场照片"),
            "signature": {"signed": false, "refusal": "当事人称需请示负责人，拒绝签名"},
        }),
        "questioning_record" => json!({
            "organ": organ, "case_number": number, "cause": "超过水污染物排放标准排放水污染物",
            "started_at": "2026年12月2日14时", "ended_at": "2026年12月2日15时20分",
            "place": "勐海大队询问室",
            "person": {"name": long_name, "id_number": "5328**********1234", "employer": "合作社负责人"},
            "officers": officers, "recorder": "勐海大队执法人员乙", "recusal_answer": "不申请。",
            "exchanges": (0..30).map(|i| json!({"question": format!("第{i}个问题：废水从哪里排出？"), "answer": long_text.clone()})).collect::<Vec<_>>(),
            "signature": {"signed": true},
        }),
        "sampling_record" => json!({
            "organ": organ, "case_number": number, "cause": "超过水污染物排放标准排放水污染物",
            "started_at": "2026年12月2日10时", "ended_at": "2026年12月2日10时40分",
            "place": long_name, "officers": officers, "lab": "西双版纳州环境监测站",
            "points": (0..30).map(|i| json!({"point": format!("{i}号排污口"), "items": ["化学需氧量", "氨氮", "总磷"], "container": "500毫升玻璃瓶", "seal_number": format!("FT-2026-{i:04}")})).collect::<Vec<_>>(),
        }),
        "preservation_notice" => json!({
            "organ": organ, "number": number, "party": long_name,
            "cause": "超过水污染物排放标准排放水污染物", "date": "2026年12月2日",
            "items": (0..30).map(|i| json!({"description": format!("废水处理设施运行台账第{i}册"), "quantity": "1本", "kept_at": "勐海大队证物室"})).collect::<Vec<_>>(),
        }),
        "investigation_report" => json!({
            "organ": organ, "case_number": number, "party": long_name,
            "cause": "超过水污染物排放标准排放水污染物", "facts": long_text,
            "evidence": thirty("现场检查笔录及照片"), "proposed_handling": long_text,
            "legal_basis": ["《中华人民共和国水污染防治法》第八十三条"],
            "officers": ["勐海大队执法人员甲", "勐海大队执法人员乙"], "date": "2026年12月20日",
        }),
        "review_opinion" => json!({
            "organ": organ, "case_number": number, "party": long_name,
            "cause": "超过水污染物排放标准排放水污染物",
            "officers": ["勐海大队执法人员甲", "勐海大队执法人员乙"],
            "opinion": "同意", "reasons": long_text.repeat(2), "flags": thirty("复杂案件"),
            "reviewer": "法制审核人员", "date": "2026年12月22日",
        }),
        "advance_notice" | "advance_notice_hearing" => json!({
            "organ": organ, "number": number, "kind": kind,
            "cause": "超过水污染物排放标准排放水污染物",
            "party": {"name": long_name}, "facts": long_text, "new_facts": long_text,
            "reasons": long_text, "legal_basis": ["《中华人民共和国水污染防治法》第八十三条"],
            "penalties": ["罚款人民币200,000.00元", "责令停产整治30日"],
            "hearing_grounds": ["罚款", "责令停产整治"], "statement_days": 5,
            "discretion": long_text,
            "date": "2026年12月22日",
        }),
        "statement_record" => json!({
            "organ": organ, "case_number": number, "party": long_name,
            "cause": "超过水污染物排放标准排放水污染物", "received_on": "2026年12月24日",
            "evidence": thirty("整改照片"),
            "points": (0..30).map(|i| json!({"point": format!("第{i}点：{long_text}"), "adopted": "不予采纳", "reason": "罚款在法定幅度内"})).collect::<Vec<_>>(),
            "recorder": "勐海大队执法人员甲", "answered_by": "勐海大队执法人员乙",
            "date": "2026年12月25日",
        }),
        "hearing_notice" => json!({
            "organ": organ, "number": number, "party": long_name,
            "cause": "超过水污染物排放标准排放水污染物", "requested_on": "2026年12月24日",
            "at": "2027年1月8日10时", "place": long_text, "host": "法制审核人员",
            "agents": ["李律师（律师）", "王某（员工）"], "recusal_days": 3,
            "date": "2026年12月25日",
        }),
        "hearing_record" => json!({
            "organ": organ, "case_number": number, "party": long_name,
            "cause": "超过水污染物排放标准排放水污染物", "agents": thirty("代理人"),
            "at": "2027年1月8日10时", "place": long_text, "host": "法制审核人员",
            "officers": thirty("执法人员"),
            "outcome": {"attended": "当事人出席", "signed_on": "2027年1月8日"},
        }),
        "legal_review_opinion" => json!({
            "organ": organ, "case_number": number, "party": long_name, "demo": true,
            "cause": "超过水污染物排放标准排放水污染物",
            "officers": ["勐海大队执法人员甲", "勐海大队执法人员乙"],
            "submitted_on": "2026年12月28日", "penalties": ["罚款人民币200,000.00元"],
            "triggers": thirty("案情复杂"),
            "points": (0..6).map(|i| json!({"title": format!("审核要点{i}"), "verdict": "通过", "opinion": long_text.clone()})).collect::<Vec<_>>(),
            "verdict": "审核通过", "reviewer": "法制审核人员", "qualification": "A20215300000001",
            "date": "2026年12月29日",
        }),
        "deliberation_record" => json!({
            "organ": organ, "case_number": number, "party": long_name,
            "cause": "超过水污染物排放标准排放水污染物", "purpose": "行政处罚决定",
            "date": "2026年12月30日", "attendees": thirty("局领导"), "heads": 5,
            "penalties": ["罚款人民币600,000.00元"],
            "opinions": (0..30).map(|i| json!({"member": format!("局领导{i}"), "opinion": long_text.clone()})).collect::<Vec<_>>(),
            "outcome": long_text, "recorder": "局长",
        }),
        "extension_approval" => json!({
            "organ": organ, "case_number": number, "party": long_name,
            "cause": "超过水污染物排放标准排放水污染物", "registered_on": "2026年10月1日",
            "due_before": "2026年12月30日", "ordinal": "第二次", "days": "30日",
            "reason": long_text.repeat(2), "requested_by": "勐海大队执法人员甲",
            "requested_on": "2026年12月20日", "deliberation": long_text,
            "decision": "同意延长", "decided_by": "局长", "decided_on": "2026年12月21日",
        }),
        "service_receipt" => json!({
            "organ": organ, "case_number": number, "party": long_name,
            "cause": "超过水污染物排放标准排放水污染物",
            "document": format!("行政处罚决定书 西环罚（勐海）〔2026〕3号 {long_text}"),
            "method": "留置送达", "served_on": "2026年12月20日", "recipient": long_name,
            "witnesses": thirty("村委会主任"), "officers": thirty("执法人员"), "note": long_text.repeat(3),
        }),
        "penalty_decision" | "no_penalty_decision" => json!({
            "organ": organ, "number": number, "demo": true,
            "party": {"name": long_name, "address": "勐海县勐遮镇曼令村", "id_label": "统一社会信用代码",
                      "id_number": "92532822MA6N0K7Q3G", "representative": "岩温"},
            "registered_on": "2026年10月1日", "cause": "超过水污染物排放标准排放水污染物",
            "facts": long_text, "evidence": thirty("现场检查（勘察）笔录，证明废水直排"),
            "findings": long_text,
            "notice_date": "2026年12月1日", "notice_number": "西环罚告（勐海）〔2026〕3号",
            "defence": "你（单位）在法定期限内未提出陈述、申辩，未要求听证。",
            "reasons": long_text, "discretion": long_text,
            "legal_basis": ["《中华人民共和国水污染防治法》第八十三条"],
            "penalties": ["罚款人民币200,000.00元"], "amount": "200,000.00",
            "payment": "持本决定书到指定的银行缴纳罚款", "basis": "《中华人民共和国行政处罚法》第三十三条第一款",
            "review_organ": "西双版纳傣族自治州人民政府", "court": "景洪市人民法院",
            "date": "2027年1月5日",
        }),
        _ => json!({
            "organ": organ, "number": number, "addressee": long_name,
            "requested_by": "当事人", "requested_on": "2026年12月3日",
            "cause": "超过水污染物排放标准排放水污染物", "officer": "勐海大队执法人员乙",
            "grounds": long_text, "decided_by": "局长", "decision": "准予回避",
            "reasons": long_text, "date": "2026年12月4日",
        }),
    }
}

/// Every kind renders from nothing (a blank form) and from everything (long names, 30 items),
/// and its words are in the PDF's text.
#[test]
fn every_template_renders_minimal_and_maximal() {
    for kind in Engine::kinds() {
        let blank = ENGINE.render(kind, &json!({})).unwrap();
        assert!(blank.pdf.starts_with(b"%PDF-"), "{kind}");
        // A blank record runs on to a second page of lines to write on, at most.
        assert!(
            (1..=2).contains(&blank.pages),
            "{kind}: {} pages",
            blank.pages
        );
        let full = ENGINE.render(kind, &maximal(kind)).unwrap();
        // Without a CJK font the Chinese text has no glyphs, takes no room, and may fit.
        if !cjk() {
            continue;
        }
        assert!(full.pages >= 2, "{kind}: the long version runs on");
        assert!(full.missing.is_empty(), "{kind}: {:?}", full.missing);
        if let Some(text) = pdf_text(&full.pdf) {
            let text = squeeze(&text);
            assert!(
                text.contains("西环立（勐海）〔2026〕12号"),
                "{kind}: {text}"
            );
            assert!(
                text.contains("西双版纳傣族自治州勐海县勐遮镇曼令村民委员会"),
                "{kind}"
            );
            assert!(
                text.contains("—1—") && text.contains("—2—"),
                "{kind}: page numbers"
            );
        }
    }
    if !cjk() {
        return;
    }
    if let Some(text) = pdf_text(
        &ENGINE
            .render("registration_approval", &json!({}))
            .unwrap()
            .pdf,
    ) {
        assert!(squeeze(&text).contains("立案审批表"));
    }
}

/// An issued document prints the QR and, under it, its check address whole; every kind does.
#[test]
fn issued_documents_carry_their_check_address() {
    let url = "https://enforce.example.gov.cn/verify/7K3M-Q9XD-2FHN";
    for kind in Engine::kinds() {
        let mut data = maximal(kind);
        data["verify"] = json!({"url": url, "code": "7K3M-Q9XD-2FHN"});
        let doc = ENGINE.render(kind, &data).unwrap();
        let plain = ENGINE.render(kind, &maximal(kind)).unwrap();
        assert!(
            doc.pdf.len() > plain.pdf.len(),
            "{kind}: the QR image adds bytes"
        );
        // In the last page's footer: never a page more.
        assert_eq!(doc.pages, plain.pages, "{kind}");
        let organ = json!({"organ": "西双版纳傣族自治州生态环境局"});
        let mut blank = organ.clone();
        blank["verify"] = json!({"url": url, "code": "7K3M-Q9XD-2FHN"});
        assert_eq!(
            ENGINE.render(kind, &blank).unwrap().pages,
            ENGINE.render(kind, &organ).unwrap().pages,
            "{kind}: a blank form with its check"
        );
        if let Some(text) = pdf_text(&doc.pdf) {
            // Unbroken, so it can be typed as printed.
            assert!(
                text.lines().any(|l| l.split_whitespace().any(|w| w == url)),
                "{kind}: {text}"
            );
            assert!(text.contains("7K3M-Q9XD-2FHN"), "{kind}");
        }
    }
    // Nothing to scan on a blank form.
    if let Some(text) = pdf_text(&ENGINE.render("inspection_record", &json!({})).unwrap().pdf) {
        assert!(!text.contains("/verify/"));
    }
}

/// The demo mark is on demo documents and never on others.
#[test]
fn demo_documents_say_so() {
    if !cjk() {
        return;
    }
    let demo = ENGINE
        .render("registration_approval", &json!({"demo": true}))
        .unwrap();
    let real = ENGINE.render("registration_approval", &json!({})).unwrap();
    if let (Some(demo), Some(real)) = (pdf_text(&demo.pdf), pdf_text(&real.pdf)) {
        assert!(squeeze(&demo).contains("演示数据"));
        assert!(!squeeze(&real).contains("演示数据"));
    }
}

/// The fonts in use cover every character of 《通用规范汉字表》 (Noto Serif CJK SC does).
#[test]
fn the_fonts_cover_the_general_standard_table() {
    if !cjk() {
        return;
    }
    let table = include_str!("../fonts/tongyong-guifan-8105.txt");
    let chars: Vec<char> = table.trim().chars().collect();
    assert_eq!(chars.len(), 8105);
    let missing: String = chars
        .iter()
        .filter(|c| !ENGINE.fonts().covers(**c))
        .collect();
    assert!(missing.is_empty(), "not covered: {missing}");
    assert!(
        ENGINE
            .fonts()
            .families()
            .contains(&fonts::FALLBACK_FAMILY.to_owned())
    );
}

/// A character no font has is reported, never silently a box: here a name written in New Tai
/// Lue (新傣文, used in Xishuangbanna), which Noto CJK does not cover.
#[test]
fn a_character_without_a_glyph_is_reported() {
    if !cjk() {
        return;
    }
    let r = ENGINE
        .render(
            "registration_approval",
            &json!({"party": {"name": "岩温（\u{1980}）"}, "cause": "排污"}),
        )
        .unwrap();
    assert_eq!(r.missing, vec!['\u{1980}']);
}

#[test]
fn an_unknown_kind_is_an_error() {
    assert!(matches!(
        ENGINE.render("no_such", &json!({})),
        Err(DocumentError::UnknownKind(_))
    ));
}

/// Writes the maximal documents to `ECOENFORCE_DOCUMENTS_OUT` for a look (pdftoppm).
#[test]
fn write_samples_when_asked() {
    let Ok(dir) = std::env::var("ECOENFORCE_DOCUMENTS_OUT") else {
        return;
    };
    for kind in Engine::kinds() {
        let full = ENGINE.render(kind, &maximal(kind)).unwrap();
        std::fs::write(format!("{dir}/{kind}.pdf"), &full.pdf).unwrap();
        let blank = ENGINE.render(kind, &json!({})).unwrap();
        std::fs::write(format!("{dir}/{kind}-blank.pdf"), &blank.pdf).unwrap();
    }
}

#[test]
fn a_volume_binds_its_documents_page_for_page_with_contents_and_numbers() {
    let a = ENGINE
        .render("penalty_decision", &maximal("penalty_decision"))
        .unwrap();
    let b = ENGINE.render("extension_approval", &json!({})).unwrap();
    assert_eq!(pdf_pages(&a.pdf), Some(a.pages));
    assert_eq!(pdf_pages(&b.pdf), Some(b.pages));
    assert_eq!(pdf_pages(b"not a pdf"), None);
    let data = json!({
        "organ": "西双版纳傣族自治州生态环境局",
        "volume": "main",
        "volume_title": "正卷",
        "case": {"number": "西环立（勐海）〔2026〕12号", "title": "关于某公司超标排放一案",
                 "party": "某公司", "cause": "超标排放", "registered_on": "2026年3月2日",
                 "closed_on": "2026年6月30日", "archived_on": "2026年7月1日", "archived_by": "menghai.officer"},
        "entries": [
            {"type": "document", "title": "行政处罚决定书", "number": "西环罚（勐海）〔2026〕3号",
             "date": "2026年5月6日", "file": "/files/0.pdf", "pages": a.pages},
            {"type": "table", "title": "证据目录", "columns": ["序号", "证据", "SHA-256"],
             "widths": [1, 3, 5], "rows": [["1", "现场照片", "ab".repeat(32)]]},
            {"type": "document", "title": "延长办案期限审批表", "file": "/files/1.pdf",
             "pages": b.pages},
            {"type": "form", "title": "结案", "rows": [["结案理由", "已履行"], ["结案人", ""]]},
        ],
    });
    let v = ENGINE
        .render_volume(&data, vec![a.pdf.clone(), b.pdf.clone()])
        .unwrap();
    // Cover, contents, the bound pages, a page each for the list and the form.
    assert_eq!(v.pages, 2 + a.pages + 1 + b.pages + 1, "{:?}", v.warnings);
    assert_eq!(pdf_pages(&v.pdf), Some(v.pages));
    if cjk()
        && let Some(text) = pdf_text(&v.pdf)
    {
        let t = squeeze(&text);
        for s in [
            "行政处罚案卷",
            "正卷",
            "卷内目录",
            "证据目录",
            "西环罚（勐海）〔2026〕3号",
        ] {
            assert!(t.contains(s), "{s}: {t}");
        }
        // The contents give each entry its first page: the decision from 1, the list after it.
        let list = format!("证据目录{}", a.pages + 1);
        assert!(t.contains(&list), "{list}: {t}");
    }
    // A missing bound file is an error, never a volume without its pages.
    assert!(ENGINE.render_volume(&data, vec![a.pdf]).is_err());
}
