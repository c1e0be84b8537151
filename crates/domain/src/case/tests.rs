use super::clue::*;
use super::registration::*;
use crate::actor::{Role, UserActor};
use crate::{Actor, RefusalKind};
use chrono::NaiveDate;
use proptest::prelude::*;
use uuid::Uuid;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub(crate) fn person(name: &str, role: Role, counties: Option<Vec<&str>>) -> Actor {
    Actor::User(UserActor {
        id: Uuid::now_v7(),
        username: name.to_owned(),
        roles: vec![role],
        unit_id: Some(Uuid::nil()),
        counties: counties.map(|c| c.into_iter().map(str::to_owned).collect()),
        certificate: None,
    })
}

fn clue(received_on: &str) -> Clue {
    Clue {
        id: Uuid::now_v7(),
        data: ClueData {
            source: ClueSource::Inspection,
            department: None,
            received_on: day(received_on),
            county_code: "532822".into(),
            description: "排污口有黑水流出".into(),
            place: "勐海县勐宋乡".into(),
            lat_e6: None,
            lon_e6: None,
            entity_id: None,
            complainant: None,
            evidence_ids: Vec::new(),
        },
        status: ClueStatus::Open,
        merged_into: None,
        transfer: None,
        extension: None,
        submitted_by: "menghai.officer".into(),
        extended: false,
        closed_reason: None,
        version: 1,
    }
}

fn facts(act_ended_on: &str, endangers: bool) -> CaseFacts {
    CaseFacts {
        legal_basis: vec![LegalBasis {
            law: "《中华人民共和国水污染防治法》".into(),
            article: "第八十三条".into(),
        }],
        act_ended_on: day(act_ended_on),
        endangers_life_health_or_finance: endangers,
        violation: "超标排放水污染物".into(),
        entity_id: None,
        party: None,
        urgent: false,
    }
}

fn propose(received_on: &str, f: CaseFacts) -> Result<Vec<crate::event::Payload>, crate::Refusal> {
    let state = ProposeCaseState {
        clue: clue(received_on),
        handling_unit_id: Some(Uuid::nil()),
        entity_county: None,
        enforced_laws: vec![
            "《中华人民共和国水污染防治法》".into(),
            "《中华人民共和国森林法》".into(),
        ],
    };
    let officer = person(
        "menghai.officer",
        Role::BrigadeOfficer,
        Some(vec!["532822"]),
    );
    decide_propose_case(
        &state,
        &officer,
        &ProposeCase {
            case_id: Uuid::now_v7(),
            clue_id: state.clue.id,
            facts: f,
            expected_version: 1,
        },
    )
}

fn codes(r: &crate::Refusal) -> Vec<&'static str> {
    r.reasons.iter().map(|x| x.code).collect()
}

/// APL Art. 36 at its boundary: discovered exactly two years after the act ended is in time,
/// one day later is not; five years with the flag.
#[test]
fn the_limitation_period_at_its_boundary() {
    assert!(propose("2026-03-01", facts("2024-03-01", false)).is_ok());
    let late = propose("2026-03-02", facts("2024-03-01", false)).unwrap_err();
    assert_eq!(late.kind, RefusalKind::Conflict);
    assert_eq!(codes(&late), ["case.limitation_passed"]);
    assert!(
        late.reasons[0].legal_source.is_some(),
        "names its legal source"
    );
    assert!(propose("2029-03-01", facts("2024-03-01", true)).is_ok());
    let late = propose("2029-03-02", facts("2024-03-01", true)).unwrap_err();
    assert_eq!(codes(&late), ["case.limitation_passed"]);
    // A leap day ends on 28 February of a common year.
    assert_eq!(limitation_ends(day("2024-02-29"), false), day("2026-02-28"));
}

#[test]
fn no_registration_without_a_legal_basis_or_a_unit() {
    let mut f = facts("2026-01-01", false);
    f.legal_basis.clear();
    let r = propose("2026-02-01", f).unwrap_err();
    assert_eq!(codes(&r), ["case.no_legal_basis"]);
    // A penalty this authority imposes: a provision of a law it enforces.
    let mut f = facts("2026-01-01", false);
    f.legal_basis[0].law = "《中华人民共和国治安管理处罚法》".into();
    let r = propose("2026-02-01", f.clone()).unwrap_err();
    assert_eq!(
        (r.kind, codes(&r)),
        (RefusalKind::Conflict, vec!["case.outside_powers"])
    );
    assert!(r.reasons[0].legal_source.is_some());
    f.legal_basis.push(LegalBasis {
        law: "《中华人民共和国森林法》".into(),
        article: "第七十四条".into(),
    });
    assert!(
        propose("2026-02-01", f).is_ok(),
        "one enforced law suffices"
    );
    let mut f = facts("2026-01-01", false);
    f.legal_basis[0].law = "水污染防治法".into();
    let r = propose("2026-02-01", f).unwrap_err();
    assert_eq!(
        (r.kind, codes(&r)),
        (RefusalKind::Invalid, vec!["case.law_form"])
    );
}

pub(crate) fn case(stage: CaseStage, proposed_by: &str) -> Case {
    Case {
        id: Uuid::now_v7(),
        clue_id: Uuid::now_v7(),
        county_code: "532822".into(),
        handling_unit_id: None,
        facts: facts("2026-01-01", false),
        stage,
        proposed_by: proposed_by.into(),
        number: None,
        registered_on: None,
        cancellation: None,
        team: None,
        recusals: Vec::new(),
        report: None,
        review: None,
        preservations: Vec::new(),
        notices: Vec::new(),
        proceedings: Default::default(),
        version: 1,
    }
}

fn approve_state(c: Case, last: i64) -> ApproveRegistrationState {
    ApproveRegistrationState {
        case: c,
        today: day("2026-12-07"),
        pattern: NumberPattern {
            pattern: "西环立（{county}）〔{year}〕{n}号".into(),
            county: "勐海".into(),
        },
        counter_key: "xsbn|532822|立|2026".into(),
        last_number: last,
        document: None,
    }
}

fn rendered(number: Option<&str>, counter: Option<(&str, i64)>) -> crate::case::document::Rendered {
    crate::case::document::Rendered {
        document_id: Uuid::now_v7(),
        number: number.map(|n| crate::case::document::Numbered {
            number: n.into(),
            counter: counter.map(|(k, s)| (k.to_owned(), s)),
        }),
        sha256: "ab".repeat(32),
        size: 1000,
        verify_code: "ABCD-EFGH-JKMN".into(),
        organ: "西双版纳傣族自治州生态环境局".into(),
        issued_on: day("2026-12-07"),
        missing_glyphs: String::new(),
        pdf: b"%PDF-".to_vec(),
    }
}

#[test]
fn the_approval_issues_its_form_with_the_case_number_or_nothing() {
    let head = person("ju.head", Role::BureauHead, None);
    let d = Decide {
        case_id: Uuid::nil(),
        approve: true,
        text: String::new(),
        expected_version: 1,
    };
    let mut state = approve_state(case(CaseStage::PendingRegistration, "menghai.officer"), 6);
    state.document = Some(rendered(Some("西环立（勐海）〔2026〕7号"), None));
    let events = decide_registration(&state, &head, &d).unwrap();
    let crate::event::Payload::DocumentIssued(doc) = &events[1] else {
        panic!("{events:?}")
    };
    assert_eq!(doc.number.as_deref(), Some("西环立（勐海）〔2026〕7号"));
    assert_eq!(doc.title, "立案审批表");
    assert_eq!((doc.counter_key.as_deref(), doc.serial), (None, None));
    // A form rendered with another number is never issued.
    state.document = Some(rendered(Some("西环立（勐海）〔2026〕6号"), None));
    let r = decide_registration(&state, &head, &d).unwrap_err();
    assert_eq!(r.reasons[0].code, "document.number_moved");
}

#[test]
fn a_numbered_document_takes_the_serial_after_the_last() {
    use crate::case::document::*;
    let officer = person(
        "menghai.officer",
        Role::BrigadeOfficer,
        Some(vec!["532822"]),
    );
    let mut c = case(CaseStage::Registered, "menghai.officer");
    c.recusals.push(crate::case::recusal::Recusal {
        officer: "menghai.officer2".into(),
        grounds: "亲属".into(),
        by: crate::case::recusal::RecusalBy::Officer,
        requested_by: "menghai.officer2".into(),
        decision: None,
    });
    let cmd = IssueDocument {
        case_id: c.id,
        kind: DocumentKind::RecusalDecision,
        subject: Some("0".into()),
        expected_version: 1,
    };
    let mut state = IssueDocumentState {
        case: c,
        record_found: false,
        rendered: Some(rendered(Some("西环回避〔2026〕3号"), Some(("k", 3)))),
        last_serial: Some(2),
        already_issued: false,
    };
    // Undecided: nothing to decide on yet.
    let r = decide_issue_document(&state, &officer, &cmd).unwrap_err();
    assert_eq!(r.reasons[0].code, "document.recusal_undecided");
    state.case.recusals[0].decision = Some(crate::case::recusal::RecusalDecision {
        granted: true,
        reasons: "近亲属".into(),
        decided_by: "ju.head".into(),
        collective: false,
    });
    let events = decide_issue_document(&state, &officer, &cmd).unwrap();
    let crate::event::Payload::DocumentIssued(doc) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(
        (doc.counter_key.as_deref(), doc.serial),
        (Some("k"), Some(3))
    );
    // Issued once: printed again from its PDF, never issued twice.
    state.already_issued = true;
    let r = decide_issue_document(&state, &officer, &cmd).unwrap_err();
    assert_eq!(r.reasons[0].code, "document.already_issued");
    state.already_issued = false;
    // Another took serial 3 meanwhile: refused, never a second 3.
    state.last_serial = Some(3);
    let r = decide_issue_document(&state, &officer, &cmd).unwrap_err();
    assert_eq!(r.reasons[0].code, "document.number_moved");
    // Outside the officer's county: not found.
    let other = person(
        "jinghong.officer",
        Role::BrigadeOfficer,
        Some(vec!["532801"]),
    );
    let r = decide_issue_document(&state, &other, &cmd).unwrap_err();
    assert_eq!(r.kind, crate::RefusalKind::NotFound);
    // The approval form is issued by the approval only.
    let cmd = IssueDocument {
        kind: DocumentKind::RegistrationApproval,
        subject: None,
        ..cmd
    };
    state.last_serial = Some(2);
    let r = decide_issue_document(&state, &officer, &cmd).unwrap_err();
    assert_eq!(r.reasons[0].code, "document.issued_on_approval");
}

#[test]
fn a_head_approves_and_the_case_takes_the_next_number() {
    let head = person("ju.head", Role::BureauHead, None);
    let events = decide_registration(
        &approve_state(case(CaseStage::PendingRegistration, "menghai.officer"), 6),
        &head,
        &Decide {
            case_id: Uuid::nil(),
            approve: true,
            text: String::new(),
            expected_version: 1,
        },
    )
    .unwrap();
    let crate::event::Payload::CaseRegistered(r) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(
        (r.serial, r.number.as_str()),
        (7, "西环立（勐海）〔2026〕7号")
    );
    // An officer may not approve; nobody approves twice.
    let officer = person(
        "menghai.officer2",
        Role::BrigadeOfficer,
        Some(vec!["532822"]),
    );
    let d = Decide {
        case_id: Uuid::nil(),
        approve: true,
        text: String::new(),
        expected_version: 1,
    };
    assert_eq!(
        decide_registration(
            &approve_state(case(CaseStage::PendingRegistration, "x"), 0),
            &officer,
            &d
        )
        .unwrap_err()
        .kind,
        RefusalKind::Forbidden
    );
    let r = decide_registration(
        &approve_state(case(CaseStage::Registered, "x"), 0),
        &head,
        &d,
    )
    .unwrap_err();
    assert_eq!(codes(&r), ["case.wrong_stage"]);
}

proptest! {
    /// A cancelled case (or one whose registration was rejected) takes no command: no approval,
    /// no cancellation, whoever asks.
    #[test]
    fn a_closed_case_accepts_no_command(approve in any::<bool>(), text in "[a-z]{0,8}", last in 0i64..1000) {
        for stage in [CaseStage::Cancelled, CaseStage::RegistrationRejected] {
            let head = person("ju.head", Role::BureauHead, None);
            let officer = person("menghai.officer", Role::BrigadeOfficer, Some(vec!["532822"]));
            let d = Decide { case_id: Uuid::nil(), approve, text: text.clone(), expected_version: 1 };
            prop_assert!(decide_registration(&approve_state(case(stage, "menghai.officer"), last), &head, &d).is_err());
            prop_assert!(decide_cancellation(&case(stage, "menghai.officer"), &head, &d).is_err());
            let cancel = ProposeCancellation { case_id: Uuid::nil(), reason: "x".into(), expected_version: 1 };
            prop_assert!(decide_propose_cancellation(&case(stage, "x"), &officer, &cancel).is_err());
            prop_assert!(!open(&case(stage, "x")));
        }
    }

    /// Numbers follow the counter with no gap: whatever the last number, the next is one more.
    #[test]
    fn numbers_are_gap_free(last in 0i64..100_000) {
        let head = person("ju.head", Role::BureauHead, None);
        let events = decide_registration(
            &approve_state(case(CaseStage::PendingRegistration, "o"), last),
            &head,
            &Decide { case_id: Uuid::nil(), approve: true, text: String::new(), expected_version: 1 },
        ).unwrap();
        let crate::event::Payload::CaseRegistered(r) = &events[0] else { unreachable!() };
        prop_assert_eq!(r.serial, last + 1);
        let tail = format!("〕{}号", last + 1);
        prop_assert!(r.number.contains(&tail));
    }

    /// No registration without its conditions: any act that ended more than the limitation
    /// period before discovery is refused, any within it is not refused for that.
    #[test]
    fn no_registration_past_the_limitation(days_before in 0i64..3000, endangers in any::<bool>()) {
        let received = day("2026-06-15");
        let ended = received - chrono::Days::new(days_before as u64);
        let f = facts(&ended.to_string(), endangers);
        let result = propose("2026-06-15", f);
        let ends = limitation_ends(ended, endangers);
        if received > ends {
            prop_assert_eq!(codes(&result.unwrap_err()), vec!["case.limitation_passed"]);
        } else {
            prop_assert!(result.is_ok());
        }
    }

    /// A liaison (or a partner agency) sees the clues it submitted and no other, whatever the
    /// county; who reads cases sees every clue within reach.
    #[test]
    fn a_liaison_never_sees_anothers_clue(
        role in prop::sample::select(vec![
            Role::Liaison, Role::PartnerAgency, Role::BrigadeOfficer, Role::BureauHead,
            Role::DetachmentOfficer, Role::LegalReviewer,
        ]),
        own_county in prop::sample::select(vec!["532801", "532822", "532823"]),
        clue_county in prop::sample::select(vec!["532801", "532822", "532823"]),
        submitter in prop::sample::select(vec!["mengzhe.liaison", "menghai.officer", "x.partner"]),
        me in prop::sample::select(vec!["mengzhe.liaison", "x.partner", "menghai.officer"]),
    ) {
        let actor = person(me, role, Some(vec![own_county]));
        let mut c = clue("2026-12-01");
        c.data.county_code = clue_county.into();
        c.submitted_by = submitter.into();
        let sees = sees_clue(&actor, &c);
        if matches!(role, Role::Liaison | Role::PartnerAgency) {
            prop_assert!(!sees || submitter == me, "{role:?} {me} saw {submitter}'s clue");
        }
        if role == Role::Liaison && submitter == me && clue_county == own_county {
            prop_assert!(sees);
        }
        if role == Role::BrigadeOfficer {
            prop_assert_eq!(sees, clue_county == own_county);
        }
    }

    /// An assignment is accepted only when every officer named is an enforcement officer of
    /// the handling unit or the detachment with a certificate valid today, and there are at
    /// least two; otherwise each failing officer is named.
    #[test]
    fn no_team_without_two_fit_officers(
        pool in prop::collection::vec((0usize..4, 0usize..3, any::<bool>()), 1..6),
    ) {
        let today = day("2026-12-01");
        let brigade = Uuid::from_u128(1);
        let detachment = Uuid::from_u128(2);
        let other = Uuid::from_u128(3);
        let roles = [Role::BrigadeOfficer, Role::DetachmentOfficer, Role::AuxiliaryStaff, Role::LegalReviewer];
        let units = [brigade, detachment, other];
        let people: Vec<(String, Option<crate::user::User>)> = pool
            .iter()
            .enumerate()
            .map(|(i, (r, u, valid))| {
                let name = format!("p{i}");
                let user = crate::user::User {
                    id: Uuid::now_v7(),
                    username: name.clone(),
                    display_name: name.clone(),
                    unit_id: Some(units[*u]),
                    roles: vec![roles[*r]],
                    counties: None,
                    certificate: Some(crate::permission::Certificate {
                        number: format!("N{i}"),
                        issuing_authority: "州政府".into(),
                        valid_from: day("2025-01-01"),
                        valid_until: if *valid { day("2028-01-01") } else { day("2026-11-30") },
                    }),
                    disabled: false,
                    legal_qualification: None,
                    demo: false,
                    version: 1,
                };
                (name, Some(user))
            })
            .collect();
        let fit = |(r, u, valid): &(usize, usize, bool)| *r < 2 && *u < 2 && *valid;
        let mut c = case(CaseStage::Registered, "o");
        c.handling_unit_id = Some(brigade);
        let state = super::team::AssignState {
            case: c,
            people: people.clone(),
            detachment_units: vec![detachment],
            today,
        };
        let leader = person("zhidui.lead", Role::DetachmentLeader, None);
        let officers: Vec<String> = people.iter().map(|(n, _)| n.clone()).collect();
        let cmd = super::team::AssignOfficers {
            case_id: state.case.id,
            team: super::team::Team { lead: officers[0].clone(), officers, assistants: vec![] },
            expected_version: 1,
        };
        let result = super::team::decide_assign_officers(&state, &leader, &cmd);
        let fit_count = pool.iter().filter(|p| fit(p)).count();
        prop_assert_eq!(result.is_ok(), fit_count == pool.len() && fit_count >= 2);
        if let Err(r) = result {
            let mut named: Vec<_> = r.reasons.iter()
                .filter(|x| x.code != "team.two_officers_required")
                .map(|x| x.field.clone())
                .collect();
            named.dedup();
            prop_assert_eq!(named.len(), pool.len() - fit_count, "{:?}", r.reasons);
        }
    }

    /// Nothing reaches a review without an investigation report, in whatever stage; and who
    /// investigated (an officer, an assistant, the reporter) is refused as reviewer.
    #[test]
    fn no_review_without_a_report_nor_by_an_investigator(
        stage in prop::sample::select(CaseStage::ALL.to_vec()),
        with_report in any::<bool>(),
        reviewer_role in prop::sample::select(vec![Role::DetachmentLeader, Role::LegalReviewer]),
        reviewer_in_team in any::<bool>(),
        opinion in prop::sample::select(vec![
            super::review::Opinion::Agree,
            super::review::Opinion::SupplementaryInvestigation,
            super::review::Opinion::Other,
        ]),
    ) {
        let mut c = case(stage, "menghai.officer");
        let mut officers = vec!["menghai.officer".to_owned(), "menghai.officer2".to_owned()];
        if reviewer_in_team {
            officers.push("reviewer".into());
        }
        c.team = Some(super::team::Team { lead: officers[0].clone(), officers, assistants: vec![] });
        if with_report {
            c.report = Some(super::review::Report {
                facts: "f".into(), evidence_ids: vec![], proposed_handling: "p".into(),
                legal_basis: vec![], by: "menghai.officer".into(),
                proposed_fine_fen: None, benchmark: None,
            });
        }
        let reviewer = person("reviewer", reviewer_role, None);
        let cmd = super::review::RecordReview {
            case_id: c.id, opinion, reasons: "理由".into(), flags: vec![], expected_version: 1,
        };
        let result = super::review::decide_record_review(&c, &reviewer, &cmd);
        let allowed = with_report && stage == CaseStage::UnderReview && !reviewer_in_team;
        prop_assert_eq!(result.is_ok(), allowed, "{:?}", result);
        if let Err(r) = result {
            let codes = codes(&r);
            prop_assert_eq!(codes.contains(&"review.investigated"), reviewer_in_team);
        }
    }
}

/// A liaison reports clues in its own county only; a partner agency only hands clues over.
#[test]
fn who_may_submit_what() {
    let state = SubmitClueState {
        evidence_counties: Vec::new(),
        prefecture_code: "532800".into(),
        counties: vec!["532801".into(), "532822".into(), "532823".into()],
        entity_county: None,
        today: day("2026-12-07"),
    };
    let mut cmd = SubmitClue {
        id: Uuid::now_v7(),
        data: clue("2026-12-06").data,
    };
    let liaison = person("mengzhe.liaison", Role::Liaison, Some(vec!["532822"]));
    assert!(decide_submit_clue(&state, &liaison, &cmd).is_ok());
    cmd.data.county_code = "532801".into();
    assert_eq!(
        decide_submit_clue(&state, &liaison, &cmd).unwrap_err().kind,
        RefusalKind::Forbidden
    );
    let partner = person("police.partner", Role::PartnerAgency, None);
    cmd.data.county_code = "532822".into();
    assert_eq!(
        codes(&decide_submit_clue(&state, &partner, &cmd).unwrap_err()),
        ["clue.partner_transfer_only"]
    );
    cmd.data.source = ClueSource::DepartmentTransfer;
    assert_eq!(
        codes(&decide_submit_clue(&state, &partner, &cmd).unwrap_err()),
        ["clue.department_required"]
    );
    cmd.data.department = Some("勐海县公安局".into());
    assert!(decide_submit_clue(&state, &partner, &cmd).is_ok());
    cmd.data.received_on = day("2026-12-08");
    assert_eq!(
        codes(&decide_submit_clue(&state, &partner, &cmd).unwrap_err()),
        ["clue.received_in_future"]
    );
}

fn officer_user(name: &str, role: Role, valid_until: &str) -> crate::user::User {
    crate::user::User {
        id: Uuid::now_v7(),
        username: name.to_owned(),
        display_name: name.to_owned(),
        unit_id: Some(Uuid::nil()),
        roles: vec![role],
        counties: Some(vec!["532822".into()]),
        certificate: Some(crate::permission::Certificate {
            number: format!("N-{name}"),
            issuing_authority: "州政府".into(),
            valid_from: day("2025-01-01"),
            valid_until: day(valid_until),
        }),
        disabled: false,
        legal_qualification: None,
        demo: false,
        version: 1,
    }
}

fn steps_of(
    c: &Case,
    actor: &Actor,
    people: &[(String, Option<crate::user::User>)],
) -> Vec<(&'static str, bool, Vec<&'static str>)> {
    let calendar = crate::calendar::tests::cal2026();
    let triggers = super::legal_review::ReviewTriggers::default();
    let rules = super::deliberation::DeliberationRules::default();
    let publicity = super::publicity::PublicityRules::default();
    let filing = super::filing::FilingRules::default();
    let ctx = super::steps::StepContext {
        today: day("2026-12-01"),
        people,
        preservations: &[],
        main_head: "ju.head",
        decision: super::decision::DecisionRules {
            calendar: &calendar,
            today: day("2026-12-01"),
            review_triggers: &triggers,
            deliberation: &rules,
        },
        deciders: &[crate::actor::Role::BureauHead],
        publicity: &publicity,
        filing: &filing,
    };
    super::steps::next_steps(c, actor, &ctx)
        .into_iter()
        .map(|s| {
            (
                s.command,
                s.allowed,
                s.reasons.iter().map(|r| r.code).collect(),
            )
        })
        .collect()
}

fn step<'a>(
    steps: &'a [(&'static str, bool, Vec<&'static str>)],
    command: &str,
) -> Option<&'a (&'static str, bool, Vec<&'static str>)> {
    steps.iter().find(|s| s.0 == command)
}

/// The workspace's steps follow the stage: a head approves a pending registration, an officer
/// sees it waiting for one; a registered case without a team offers the assignment and blocks
/// the records with APL Art. 42; under review, an investigator is refused as reviewer.
#[test]
fn the_next_steps_follow_the_stage_and_the_reader() {
    let officer = person(
        "menghai.officer",
        Role::BrigadeOfficer,
        Some(vec!["532822"]),
    );
    let head = person("ju.deputy", Role::BureauHead, None);
    let pending = case(CaseStage::PendingRegistration, "menghai.officer");
    let s = steps_of(&pending, &head, &[]);
    assert!(step(&s, "approve-registration").unwrap().1);
    let s = steps_of(&pending, &officer, &[]);
    assert_eq!(
        step(&s, "approve-registration").unwrap().2,
        ["step.needs_head"]
    );
    assert!(
        step(&s, "record-inspection").is_none(),
        "not investigated first"
    );

    let mut registered = case(CaseStage::Registered, "menghai.officer");
    let s = steps_of(&registered, &officer, &[]);
    assert_eq!(
        step(&s, "assign-officers").unwrap().2,
        ["team.not_handling_unit"],
        "another brigade's case"
    );
    registered.handling_unit_id = Some(Uuid::nil());
    let s = steps_of(&registered, &officer, &[]);
    assert!(step(&s, "assign-officers").unwrap().1);
    let inspection = step(&s, "record-inspection").unwrap();
    assert_eq!(
        (inspection.1, inspection.2.as_slice()),
        (false, &["step.no_team"][..])
    );

    // Two officers, one of them with a certificate that ran out: blocked, naming him.
    registered.team = Some(super::team::Team {
        officers: vec!["menghai.officer".into(), "menghai.officer2".into()],
        lead: "menghai.officer".into(),
        assistants: vec![],
    });
    let people = vec![
        (
            "menghai.officer".to_owned(),
            Some(officer_user(
                "menghai.officer",
                Role::BrigadeOfficer,
                "2028-01-01",
            )),
        ),
        (
            "menghai.officer2".to_owned(),
            Some(officer_user(
                "menghai.officer2",
                Role::BrigadeOfficer,
                "2026-11-30",
            )),
        ),
    ];
    let s = steps_of(&registered, &officer, &people);
    let inspection = step(&s, "record-inspection").unwrap();
    assert!(!inspection.1);
    assert_eq!(
        inspection.2,
        ["team.certificate_not_valid", "team.two_officers_required"]
    );
    let mut renewed = people.clone();
    renewed[1].1 = Some(officer_user(
        "menghai.officer2",
        Role::BrigadeOfficer,
        "2028-01-01",
    ));
    let s = steps_of(&registered, &officer, &renewed);
    assert!(step(&s, "record-inspection").unwrap().1);
    assert!(step(&s, "submit-investigation-report").unwrap().1);
    assert!(step(&s, "record-case-review").is_none());
    let outsider = person("menghai.other", Role::BrigadeOfficer, Some(vec!["532822"]));
    assert_eq!(
        step(
            &steps_of(&registered, &outsider, &renewed),
            "submit-investigation-report"
        )
        .unwrap()
        .2,
        ["review.not_investigator"]
    );

    registered.stage = CaseStage::UnderReview;
    let reviewer = person("fazhi.reviewer", Role::LegalReviewer, None);
    let s = steps_of(&registered, &reviewer, &renewed);
    assert_eq!(
        s.iter().filter(|x| x.1).map(|x| x.0).collect::<Vec<_>>(),
        ["record-case-review"]
    );
    let lead_who_investigated = person("menghai.officer", Role::DetachmentLeader, None);
    assert_eq!(
        step(
            &steps_of(&registered, &lead_who_investigated, &renewed),
            "record-case-review"
        )
        .unwrap()
        .2,
        ["review.investigated"]
    );
    registered.stage = CaseStage::Cancelled;
    assert!(steps_of(&registered, &head, &renewed).is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A record step is offered as allowed exactly when a record naming the team's fit officers
    /// is accepted, and then there are at least two of them: no act with fewer than two valid,
    /// assigned, unrecused officers.
    #[test]
    fn an_allowed_step_is_a_command_the_decision_accepts(
        pool in prop::collection::vec((any::<bool>(), any::<bool>(), any::<bool>()), 0..5),
    ) {
        let mut c = case(CaseStage::Registered, "menghai.officer");
        let mut people = Vec::new();
        let mut officers = Vec::new();
        for (i, (valid, officer_role, recused)) in pool.iter().enumerate() {
            let name = format!("p{i}");
            let role = if *officer_role { Role::BrigadeOfficer } else { Role::AuxiliaryStaff };
            let until = if *valid { "2028-01-01" } else { "2026-11-30" };
            people.push((name.clone(), Some(officer_user(&name, role, until))));
            officers.push(name.clone());
            if *recused {
                c.recusals.push(super::recusal::Recusal {
                    officer: name.clone(),
                    grounds: "亲属".into(),
                    by: super::recusal::RecusalBy::Party,
                    requested_by: "x".into(),
                    decision: Some(super::recusal::RecusalDecision {
                        granted: true,
                        reasons: "同意".into(),
                        decided_by: "ju.head".into(),
                        collective: false,
                    }),
                });
            }
        }
        if !officers.is_empty() {
            c.team = Some(super::team::Team { lead: officers[0].clone(), officers: officers.clone(), assistants: vec![] });
        }
        let actor = person("menghai.officer", Role::BrigadeOfficer, Some(vec!["532822"]));
        let s = steps_of(&c, &actor, &people);
        let allowed = step(&s, "record-inspection").unwrap().1;
        let fit: Vec<String> = pool.iter().zip(&officers)
            .filter(|((v, o, r), _)| *v && *o && !*r)
            .map(|(_, n)| n.clone())
            .collect();
        let at = crate::time::Timestamp::parse("2026-12-01T02:00:00Z").unwrap();
        let state = super::record::AddRecordState {
            case: c.clone(),
            people: people.clone(),
            evidence_subjects: vec![],
            corrected_kind: None,
            now: at,
        };
        let cmd = super::record::AddRecord {
            case_id: c.id,
            record: super::record::Record {
                id: Uuid::now_v7(),
                started_at: at,
                ended_at: at,
                officers: fit.clone(),
                content: super::record::RecordContent::Inspection {
                    place: "厂区".into(), present: vec![], observed: "排口".into(),
                },
                signature: super::record::Signature { signed: true, refusal: String::new() },
                evidence_ids: vec![],
                corrects: None,
            },
            expected_version: 1,
        };
        let accepted = super::record::decide_add_record(&state, &actor, &cmd).is_ok();
        prop_assert_eq!(allowed, accepted);
        prop_assert_eq!(allowed, fit.len() >= 2);
    }
}

/// Issue 23 point 1: the advance notice after a review that agreed, to an identified party; on
/// the same facts a later notice is never heavier; new facts must be new.
#[test]
fn an_advance_notice_follows_an_agreed_review_and_never_grows_on_the_same_facts() {
    use crate::case::notice::*;
    use crate::case::penalty::{HearingRules, Penalty, PenaltyType};
    let officer = person(
        "menghai.officer",
        Role::BrigadeOfficer,
        Some(vec!["532822"]),
    );
    let mut c = case(CaseStage::UnderReview, "menghai.officer");
    c.team = Some(crate::case::team::Team {
        officers: vec!["menghai.officer".into(), "menghai.officer2".into()],
        lead: "menghai.officer".into(),
        assistants: Vec::new(),
    });
    let fine = |yuan: i64| Penalty {
        kind: PenaltyType::Fine,
        amount_fen: Some(yuan * 100),
        period_days: None,
    };
    let cmd = |penalties: Vec<Penalty>, facts: &str, new_facts: &str| IssueAdvanceNotice {
        case_id: Uuid::nil(),
        id: Uuid::now_v7(),
        penalties,
        facts: facts.into(),
        reasons: "违反《中华人民共和国水污染防治法》第十条".into(),
        legal_basis: vec![LegalBasis {
            law: "《中华人民共和国水污染防治法》".into(),
            article: "第八十三条".into(),
        }],
        new_facts: new_facts.into(),
        benchmark: None,
        expected_version: 1,
    };
    let mut state = IssueAdvanceNoticeState {
        case: c,
        rules: HearingRules::default(),
        statement_days: 5,
        today: day("2026-12-07"),
    };
    let first = cmd(vec![fine(300_000)], "超标排放", "");
    // Before a review that agreed, and to an unidentified party: refused, both reasons.
    let r = decide_issue_advance_notice(&state, &officer, &first).unwrap_err();
    assert_eq!(
        codes(&r),
        vec!["notice.review_not_agreed", "notice.party_unidentified"]
    );
    state.case.stage = CaseStage::Reviewed;
    state.case.review = Some(crate::case::review::Review {
        opinion: crate::case::review::Opinion::Agree,
        reasons: String::new(),
        flags: Vec::new(),
        by: "fazhi.reviewer".into(),
    });
    state.case.facts.party = Some(crate::case::party::Party::Organisation {
        name: "某橡胶厂".into(),
        uscc: None,
    });
    let events = decide_issue_advance_notice(&state, &officer, &first).unwrap();
    let crate::event::Payload::AdvanceNoticeIssued(n) = &events[0] else {
        panic!("{events:?}")
    };
    // 300,000 yuan is a large fine for an organisation: the hearing form.
    assert_eq!(n.notice.hearing_grounds, [PenaltyType::Fine]);
    state.case.notices.push(n.notice.clone());
    // On the same facts: never heavier, never another type.
    let r = decide_issue_advance_notice(
        &state,
        &officer,
        &cmd(
            vec![
                fine(300_001),
                Penalty {
                    kind: PenaltyType::Closure,
                    amount_fen: None,
                    period_days: None,
                },
            ],
            "超标排放",
            "",
        ),
    )
    .unwrap_err();
    assert_eq!(
        codes(&r),
        vec!["penalty.heavier_than_noticed", "penalty.not_noticed"]
    );
    assert!(
        decide_issue_advance_notice(&state, &officer, &cmd(vec![fine(100_000)], "超标排放", ""))
            .is_ok()
    );
    // New facts must be new facts; then the penalty may rise.
    let r = decide_issue_advance_notice(
        &state,
        &officer,
        &cmd(vec![fine(500_000)], "超标排放", "超标排放"),
    )
    .unwrap_err();
    assert_eq!(codes(&r), vec!["notice.facts_unchanged"]);
    // On the same facts, never heavier than any notice since the last on new facts.
    let mut lower = n.notice.clone();
    lower.penalties = vec![fine(200_000)];
    state.case.notices.push(lower);
    let r =
        decide_issue_advance_notice(&state, &officer, &cmd(vec![fine(250_000)], "超标排放", ""))
            .unwrap_err();
    assert_eq!(codes(&r), vec!["penalty.heavier_than_noticed"]);
    state.case.notices.pop();
    assert!(
        decide_issue_advance_notice(
            &state,
            &officer,
            &cmd(vec![fine(500_000)], "超标排放", "另查明私设暗管排放")
        )
        .is_ok()
    );
    // Someone not of the case's team: refused.
    let other = person(
        "menghai.officer3",
        Role::BrigadeOfficer,
        Some(vec!["532822"]),
    );
    let r = decide_issue_advance_notice(&state, &other, &first).unwrap_err();
    assert_eq!(codes(&r), vec!["notice.not_an_officer_of_the_case"]);
}
