//! Issue 22's measurements: per template as issued (with its QR), the render time (median and p99 of 200 renders, after
//! one warm-up, each with other data so that nothing is served from the typesetter's memo) and
//! the PDF's size, for a one-page document and a long one; then the peak RSS
//! while rendering 100 documents on all cores at once.
//!
//! `cargo bench -p documents --bench render` (`ECOENFORCE_BENCH_SHORT=1`: 3 renders each, 4
//! documents at once)

use documents::Engine;
use serde_json::json;
use std::time::{Duration, Instant};

fn one_page(kind: &str) -> serde_json::Value {
    match kind {
        "registration_approval" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "number": "西环立（勐海）〔2026〕12号",
            "source": "12369环保举报", "cause": "超过水污染物排放标准排放水污染物",
            "party": {"name": "勐海县某养殖专业合作社", "address": "勐海县勐遮镇曼令村",
                      "id_label": "统一社会信用代码", "id_number": "92532822MA6N0K7Q3G",
                      "representative": "岩温"},
            "act_ended_on": "2026年11月30日",
            "legal_basis": ["《中华人民共和国水污染防治法》第八十三条"],
            "summary": "接群众举报，该合作社排污口有黑色废水直排入南览河。",
            "handler": {"text": "建议立案调查。", "by": "勐海大队执法人员甲", "date": "2026年12月1日"},
            "approval": {"text": "同意立案。", "by": "局长", "date": "2026年12月2日"},
        }),
        "questioning_record" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "case_number": "西环立（勐海）〔2026〕12号",
            "cause": "超过水污染物排放标准排放水污染物",
            "started_at": "2026年12月2日14时", "ended_at": "2026年12月2日15时20分",
            "place": "勐海大队询问室",
            "person": {"name": "岩温", "id_number": "5328**********1234", "employer": "合作社负责人"},
            "officers": [{"name": "勐海大队执法人员甲", "certificate": "53280001"},
                         {"name": "勐海大队执法人员乙", "certificate": "53280002"}],
            "recorder": "勐海大队执法人员乙", "recusal_answer": "不申请。",
            "exchanges": [{"question": "废水从哪里排出？", "answer": "从厂区东侧排污口排入南览河。"}],
            "signature": {"signed": true},
        }),
        "sampling_record" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "case_number": "西环立（勐海）〔2026〕12号",
            "cause": "超过水污染物排放标准排放水污染物",
            "started_at": "2026年12月2日10时", "ended_at": "2026年12月2日10时40分",
            "place": "勐海县勐遮镇曼令村养殖场排污口", "lab": "西双版纳州环境监测站",
            "officers": [{"name": "勐海大队执法人员甲", "certificate": "53280001"},
                         {"name": "勐海大队执法人员乙", "certificate": "53280002"}],
            "points": [{"point": "1号排污口", "items": ["化学需氧量", "氨氮"], "container": "500毫升玻璃瓶", "seal_number": "FT-2026-0001"}],
        }),
        "preservation_notice" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "number": "西环保存（勐海）〔2026〕3号",
            "party": "勐海县某养殖专业合作社", "cause": "超过水污染物排放标准排放水污染物",
            "date": "2026年12月2日",
            "items": [{"description": "废水处理设施运行台账", "quantity": "3本", "kept_at": "勐海大队证物室"}],
        }),
        "investigation_report" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "case_number": "西环立（勐海）〔2026〕12号",
            "party": "勐海县某养殖专业合作社", "cause": "超过水污染物排放标准排放水污染物",
            "facts": "该合作社于2026年11月30日通过排污口直排废水。", "evidence": ["现场检查笔录", "采样记录"],
            "proposed_handling": "建议罚款十万元。", "legal_basis": ["《中华人民共和国水污染防治法》第八十三条"],
            "officers": ["勐海大队执法人员甲", "勐海大队执法人员乙"], "date": "2026年12月20日",
        }),
        "review_opinion" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "case_number": "西环立（勐海）〔2026〕12号",
            "party": "勐海县某养殖专业合作社", "cause": "超过水污染物排放标准排放水污染物",
            "officers": ["勐海大队执法人员甲", "勐海大队执法人员乙"], "opinion": "同意",
            "reasons": "事实清楚，证据确凿。", "flags": [], "reviewer": "法制审核人员", "date": "2026年12月22日",
        }),
        "recusal_decision" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "number": "西环回避（勐海）〔2026〕1号",
            "addressee": "勐海县某养殖专业合作社", "requested_by": "当事人", "officer": "勐海大队执法人员乙",
            "grounds": "系当事人近亲属。", "decided_by": "局长", "decision": "准予回避",
            "reasons": "理由成立。", "date": "2026年12月4日",
        }),
        "inspection_record" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "case_number": "西环立（勐海）〔2026〕12号",
            "cause": "超过水污染物排放标准排放水污染物",
            "started_at": "2026年12月2日9时30分", "ended_at": "2026年12月2日11时5分",
            "place": "勐海县勐遮镇曼令村养殖场排污口",
            "inspected": {"name": "勐海县某养殖专业合作社", "address": "勐海县勐遮镇曼令村", "representative": "岩温"},
            "officers": [{"name": "勐海大队执法人员甲", "certificate": "53280001"},
                         {"name": "勐海大队执法人员乙", "certificate": "53280002"}],
            "present": ["岩温"], "observed": "废水处理设施未运行，排污口有黑色废水直排入南览河。",
            "signature": {"signed": true},
        }),
        "advance_notice" | "advance_notice_hearing" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "number": "西环罚告（勐海）〔2026〕3号",
            "kind": kind, "cause": "超过水污染物排放标准排放水污染物",
            "party": {"name": "勐海县某养殖专业合作社"},
            "facts": "该合作社于2026年11月30日通过排污口直排废水。",
            "reasons": "违反《中华人民共和国水污染防治法》第十条。",
            "legal_basis": ["《中华人民共和国水污染防治法》第八十三条"],
            "penalties": ["罚款人民币200,000.00元"], "hearing_grounds": ["罚款"],
            "statement_days": 5, "discretion": "无从轻、减轻情节。", "date": "2026年12月22日",
        }),
        "statement_record" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "case_number": "西环立（勐海）〔2026〕12号",
            "party": "勐海县某养殖专业合作社", "cause": "超过水污染物排放标准排放水污染物",
            "received_on": "2026年12月24日", "evidence": ["整改照片"],
            "points": [{"point": "已停止排放并整改。", "adopted": "不予采纳", "reason": "罚款在法定幅度内"}],
            "recorder": "勐海大队执法人员甲", "answered_by": "勐海大队执法人员乙",
            "date": "2026年12月25日",
        }),
        "hearing_notice" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "number": "西环听通（勐海）〔2026〕1号",
            "party": "勐海县某养殖专业合作社", "cause": "超过水污染物排放标准排放水污染物",
            "requested_on": "2026年12月24日", "at": "2027年1月8日10时",
            "place": "西双版纳傣族自治州生态环境局听证室", "host": "法制审核人员",
            "agents": ["李律师（律师）"], "recusal_days": 3, "date": "2026年12月25日",
        }),
        "hearing_record" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "case_number": "西环立（勐海）〔2026〕12号",
            "party": "勐海县某养殖专业合作社", "cause": "超过水污染物排放标准排放水污染物",
            "agents": ["李律师（律师）"], "at": "2027年1月8日10时",
            "place": "西双版纳傣族自治州生态环境局听证室", "host": "法制审核人员",
            "officers": ["勐海大队执法人员甲", "勐海大队执法人员乙"],
            "outcome": {"attended": "当事人出席", "signed_on": "2027年1月8日"},
        }),
        "legal_review_opinion" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "case_number": "西环立（勐海）〔2026〕12号",
            "party": "勐海县某养殖专业合作社", "cause": "超过水污染物排放标准排放水污染物",
            "officers": ["勐海大队执法人员甲", "勐海大队执法人员乙"],
            "submitted_on": "2026年12月28日", "penalties": ["罚款人民币200,000.00元"],
            "triggers": ["拟罚款数额较大"],
            "points": [{"title": "事实认定", "verdict": "通过", "opinion": "事实清楚，证据确凿。"}],
            "verdict": "审核通过", "reviewer": "法制审核人员", "qualification": "A20215300000001",
            "date": "2026年12月29日",
        }),
        "deliberation_record" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "case_number": "西环立（勐海）〔2026〕12号",
            "party": "勐海县某养殖专业合作社", "cause": "超过水污染物排放标准排放水污染物",
            "purpose": "行政处罚决定", "date": "2026年12月30日",
            "attendees": ["局长", "副局长"], "heads": 2, "penalties": ["罚款人民币200,000.00元"],
            "opinions": [{"member": "局长", "opinion": "同意法制审核意见。"}],
            "outcome": "同意罚款二十万元。", "recorder": "局长",
        }),
        "extension_approval" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "case_number": "西环立（勐海）〔2026〕12号",
            "party": "勐海县某养殖专业合作社", "cause": "超过水污染物排放标准排放水污染物",
            "registered_on": "2026年10月1日", "due_before": "2026年12月30日", "ordinal": "第一次",
            "days": "30日", "reason": "需等待监测报告。", "requested_by": "勐海大队执法人员甲",
            "requested_on": "2026年12月20日", "deliberation": "同意延长。",
            "decision": "同意延长", "decided_by": "局长", "decided_on": "2026年12月21日",
        }),
        "service_receipt" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "case_number": "西环立（勐海）〔2026〕12号",
            "party": "勐海县某养殖专业合作社", "cause": "超过水污染物排放标准排放水污染物",
            "document": "行政处罚决定书 西环罚（勐海）〔2026〕3号", "method": "直接送达",
            "served_on": "2026年12月20日", "recipient": "岩温", "witnesses": [],
            "officers": ["勐海大队执法人员甲", "勐海大队执法人员乙"],
        }),
        "penalty_decision" | "no_penalty_decision" => json!({
            "organ": "西双版纳傣族自治州生态环境局", "number": "西环罚（勐海）〔2026〕3号",
            "party": {"name": "勐海县某养殖专业合作社", "address": "勐海县勐遮镇曼令村",
                      "id_label": "统一社会信用代码", "id_number": "92532822MA6N0K7Q3G",
                      "representative": "岩温"},
            "registered_on": "2026年10月1日", "cause": "超过水污染物排放标准排放水污染物",
            "facts": "该合作社于2026年11月30日通过排污口直排废水。",
            "evidence": ["现场检查（勘察）笔录，证明废水直排"],
            "findings": "违反《中华人民共和国水污染防治法》第十条。",
            "notice_date": "2026年12月1日", "notice_number": "西环罚告（勐海）〔2026〕3号",
            "defence": "你（单位）在法定期限内未提出陈述、申辩，未要求听证。",
            "reasons": "事实清楚，证据确凿。", "discretion": "无从轻、减轻情节。",
            "legal_basis": ["《中华人民共和国水污染防治法》第八十三条"],
            "penalties": ["罚款人民币200,000.00元"], "amount": "200,000.00",
            "payment": "持本决定书到指定的银行缴纳罚款",
            "basis": "《中华人民共和国行政处罚法》第三十三条第一款",
            "review_organ": "西双版纳傣族自治州人民政府", "court": "景洪市人民法院",
            "date": "2027年1月5日",
        }),
        // A new template needs its data here: with another's, its figures would mean nothing.
        other => panic!("no one-page data for the template {other}: add it to one_page()"),
    }
}

fn long(kind: &str) -> serde_json::Value {
    let mut v = one_page(kind);
    let text =
        "经现场检查，该单位废水处理设施未正常运行，排污口有黑色废水直排入南览河，现场有明显异味。"
            .repeat(40);
    v[if kind == "registration_approval" {
        "summary"
    } else {
        "observed"
    }] = json!(text);
    v
}

/// As issued: with the check address the QR code encodes.
fn issued(mut data: serde_json::Value) -> serde_json::Value {
    data["verify"] = json!({"url": "https://zhifa.example.gov.cn/verify/7K3M-Q9XD-2FHN",
                            "code": "7K3M-Q9XD-2FHN"});
    data
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

/// CI's short mode (`ECOENFORCE_BENCH_SHORT=1`, as `crates/cli/benches/common`): small sizes, so
/// that the bench is built and run on each change and never rots; its figures mean nothing.
fn short() -> bool {
    std::env::var("ECOENFORCE_BENCH_SHORT").is_ok_and(|v| v == "1")
}

fn main() {
    let (renders, at_once) = if short() { (3, 4) } else { (200, 100) };
    let t = Instant::now();
    let engine = Engine::new(&[]).expect("fonts");
    println!(
        "engine with the fonts (Debian's Noto CJK): {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    // Every template as issued (with its check QR); a form (table) and a record (running text)
    // also long.
    for kind in Engine::kinds() {
        let mut cases = vec![("one page", issued(one_page(kind)))];
        if ["registration_approval", "inspection_record"].contains(&kind) {
            cases.push(("long", issued(long(kind))));
        }
        for (what, data) in cases {
            let first = engine.render(kind, &data).expect("render");
            let mut times = Vec::new();
            for i in 0..renders {
                // Other data each time: the typesetter memoises, and a repeat would be free.
                let mut data = data.clone();
                data["cause"] = json!(format!("超过水污染物排放标准排放水污染物（第{i}次）"));
                let t = Instant::now();
                let r = engine.render(kind, &data).expect("render");
                times.push(t.elapsed());
                assert_eq!(r.pages, first.pages);
            }
            times.sort();
            println!(
                "{kind:<24} {what:<8} pages {:>2}  median {:>6.1} ms  p99 {:>6.1} ms  PDF {:>6.1} KiB",
                first.pages,
                percentile(&times, 0.5).as_secs_f64() * 1e3,
                percentile(&times, 0.99).as_secs_f64() * 1e3,
                first.pdf.len() as f64 / 1024.0
            );
        }
    }
    let before = peak_rss_mib();
    let t = Instant::now();
    std::thread::scope(|s| {
        for i in 0..at_once {
            let engine = &engine;
            s.spawn(move || {
                let kind = if i % 2 == 0 {
                    "registration_approval"
                } else {
                    "inspection_record"
                };
                let mut data = one_page(kind);
                data["place"] = json!(format!("第{i}号排污口"));
                engine.render(kind, &data).expect("render");
            });
        }
    });
    println!(
        "{at_once} documents rendered at once: {:.0} ms; peak RSS {before:.0} MiB before, {:.0} MiB after",
        t.elapsed().as_secs_f64() * 1e3,
        peak_rss_mib()
    );
}
