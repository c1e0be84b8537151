//! The home page answers "what do I do now", for each role: officers their tasks and their
//! certificate, leaders their unit's workload, the bureau heads approvals, the legal reviewer
//! reviews, each administrator their own duty, the liaison and partner agencies their clues.
//! What later parts of the platform bring (clues, cases, approvals, reviews) is said plainly
//! until it lands. No role lands on an error: each card is shown only to who may see it.

use super::{Chrome, PageCtx};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::Actor;
use domain::actor::Role;
use domain::permission::{Capability, allows};

pub struct CountyRow {
    pub code: String,
    pub name: String,
    pub key: i64,
    pub general: i64,
}

pub struct Expiring {
    pub name: String,
    pub unit: String,
    pub number: String,
    pub valid_until: String,
    pub expired: bool,
}

/// The signed-in officer's own certificate, and what it means today.
pub struct MyCertificate {
    pub number: String,
    pub valid_until: String,
    /// `ok`, `expiring` (within 30 days), `expired` or `missing`.
    pub state: &'static str,
    /// What the state means for the officer's work, when it is not `ok`.
    pub banner: String,
}

/// A case whose decision is due within 10 working days, or overdue.
pub struct DueCase {
    pub href: String,
    pub label: String,
    pub due: String,
    pub overdue: bool,
}

/// A link to the next thing to do.
pub struct Action {
    pub id: &'static str,
    pub href: &'static str,
    pub label: String,
    pub hint: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    greeting: String,
    role_names: String,
    /// What this person's work is waiting on (their tasks, approvals, reviews, clues), and
    /// what will fill the list once the case module lands.
    waiting_title: String,
    waiting_empty: String,
    waiting: Vec<super::cases::ApprovalRow>,
    /// A head: the waiting list links to the approvals page.
    can_approve: bool,
    actions: Vec<Action>,
    certificate: Option<MyCertificate>,
    counties: Vec<CountyRow>,
    show_counties: bool,
    expiring: Vec<Expiring>,
    show_expiring: bool,
    /// Case deadlines within 10 working days or passed: the officer's own cases, or for the
    /// detachment leader every case (MEE Order No. 30 Art. 57's deadline; the warning is ours).
    due_cases: Vec<DueCase>,
    show_due: bool,
}

pub async fn home(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Actor::User(me) = &auth.actor else {
        return ctx.not_found();
    };
    let tr = ctx.tr();
    let english = tr.english();
    let has = |r: Role| me.roles.contains(&r);
    let may = |c: Capability| allows(&auth.actor, c);

    // What this person's work waits on.
    let (waiting_title, waiting_empty) = if has(Role::LegalReviewer) {
        ("ui-home_reviews", "ui-home_reviews_empty")
    } else if has(Role::BureauHead) {
        ("ui-home_approvals", "ui-home_approvals_empty")
    } else if has(Role::DetachmentLeader) {
        ("ui-home_workload", "ui-home_workload_empty")
    } else if has(Role::Liaison) || has(Role::PartnerAgency) {
        ("ui-home_clues", "ui-home_clues_empty")
    } else if may(Capability::EnforcementAct) || has(Role::AuxiliaryStaff) {
        ("ui-home_tasks", "ui-home_tasks_empty")
    } else {
        ("ui-home_duty", "ui-home_duty_note")
    };

    let mut actions = Vec::new();
    if may(Capability::EntityRead) {
        actions.push(Action {
            id: "go-entities",
            href: "/entities",
            label: tr.t("ui-home_find_entity"),
            hint: tr.t("ui-home_find_entity_hint"),
        });
    }
    if may(Capability::ClueSubmit) {
        actions.push(Action {
            id: "go-new-clue",
            href: "/clues/new",
            label: tr.t("ui-new_clue"),
            hint: tr.t("ui-home_new_clue_hint"),
        });
    }
    if may(Capability::EntityRegister) {
        actions.push(Action {
            id: "go-import",
            href: "/entities/import",
            label: tr.t("ui-import"),
            hint: tr.t("ui-home_import_hint"),
        });
    }
    if may(Capability::AccountRead) {
        actions.push(Action {
            id: "go-admin",
            href: "/admin",
            label: tr.t(if has(Role::SecurityAdmin) {
                "ui-home_security_duty"
            } else {
                "ui-home_system_duty"
            }),
            hint: tr.t(if has(Role::SecurityAdmin) {
                "ui-home_security_duty_hint"
            } else {
                "ui-home_system_duty_hint"
            }),
        });
    }
    if may(Capability::AuditRead) {
        actions.push(Action {
            id: "go-audit",
            href: "/admin/audit",
            label: tr.t("ui-home_audit_duty"),
            hint: tr.t("ui-home_audit_duty_hint"),
        });
    }
    actions.push(Action {
        id: "go-account",
        href: "/account",
        label: tr.t("ui-nav_account"),
        hint: tr.t("ui-home_account_hint"),
    });

    let today = state.app.today();
    let certificate = may(Capability::EnforcementAct).then(|| match &me.certificate {
        Some(c) => {
            let days_left = (c.valid_until - today).num_days();
            let args = [
                ("number", c.number.clone()),
                ("date", c.valid_until.to_string()),
                ("days", days_left.to_string()),
            ];
            let (state, banner) = if !c.valid_on(today) {
                ("expired", tr.with("ui-home_cert_expired", &args))
            } else if days_left <= 30 {
                ("expiring", tr.with("ui-home_cert_expiring", &args))
            } else {
                ("ok", String::new())
            };
            MyCertificate {
                number: c.number.clone(),
                valid_until: c.valid_until.to_string(),
                state,
                banner,
            }
        }
        None => MyCertificate {
            number: String::new(),
            valid_until: String::new(),
            state: "missing",
            banner: tr.t("ui-home_cert_missing"),
        },
    });

    // The register's counts and the certificates about to expire, for who may read the
    // register; leaders and administrators see their people's certificates.
    let mut counties: Vec<CountyRow> = Vec::new();
    let mut expiring = Vec::new();
    let show_counties = may(Capability::EntityRead);
    let show_expiring =
        has(Role::DetachmentLeader) || has(Role::BureauHead) || may(Capability::AccountCertify);
    if show_counties {
        let dashboard = match state.app.dashboard(&auth.actor).await {
            Ok(d) => d,
            Err(e) => return ctx.error(e),
        };
        for (code, class, n) in dashboard.counts {
            if counties.last().is_none_or(|r| r.code != code) {
                counties.push(CountyRow {
                    name: app::divisions::name(&code, english),
                    code: code.clone(),
                    key: 0,
                    general: 0,
                });
            }
            if let Some(row) = counties.last_mut() {
                if class == "key" {
                    row.key += n;
                } else {
                    row.general += n;
                }
            }
        }
        if show_expiring {
            let people = match state.app.people().await {
                Ok(p) => p,
                Err(e) => return ctx.error(e),
            };
            expiring = dashboard
                .expiring
                .into_iter()
                .map(|(u, c)| {
                    let person = people.get(&u.username);
                    Expiring {
                        name: u.display_name.clone(),
                        unit: person
                            .and_then(|p| {
                                if english {
                                    p.unit_en.clone()
                                } else {
                                    p.unit_zh.clone()
                                }
                            })
                            .unwrap_or_default(),
                        number: c.number,
                        valid_until: c.valid_until.to_string(),
                        expired: c.valid_until < today,
                    }
                })
                .collect();
        }
    }
    // A head's approvals (registrations, cancellations, extensions), as `GET /api/v1/approvals`,
    // each linked to its case or clue.
    let mut waiting = Vec::new();
    if may(Capability::CaseApprove) {
        match super::cases::approval_rows(&state, &ctx, &auth.actor).await {
            Ok(rows) => waiting = rows,
            Err(e) => return ctx.error(e),
        }
    }
    // The case deadlines near or passed: an officer's own cases, the detachment leader's all.
    let leader = has(Role::DetachmentLeader);
    let show_due = leader || may(Capability::EnforcementAct);
    let mut due_cases = Vec::new();
    if show_due {
        // Only the decisions due, read as such: not the whole deadline sweep on every visit.
        let officer = (!leader).then_some(me.username.as_str());
        let items = match state.app.decisions_due(&auth.actor, officer).await {
            Ok(i) => i,
            Err(e) => return ctx.error(e),
        };
        for (case, warning) in items {
            due_cases.push(DueCase {
                href: format!("/cases/{}#deadline", case.id),
                label: format!(
                    "{} {}",
                    case.number.clone().unwrap_or_default(),
                    case.facts.violation.chars().take(40).collect::<String>()
                ),
                due: warning.due.to_string(),
                overdue: warning.overdue,
            });
        }
    }
    let role_names = me
        .roles
        .iter()
        .map(|r| tr.t(&format!("ui-role_{}", r.as_str())))
        .collect::<Vec<_>>()
        .join(if english { ", " } else { "、" });
    ctx.render(
        StatusCode::OK,
        &HomePage {
            greeting: tr.with("ui-home_greeting", &[("name", auth.display_name.clone())]),
            role_names,
            waiting_title: tr.t(waiting_title),
            waiting_empty: tr.t(waiting_empty),
            waiting,
            can_approve: may(Capability::CaseApprove),
            actions,
            certificate,
            counties,
            show_counties,
            expiring,
            show_expiring,
            due_cases,
            show_due,
            chrome: ctx.chrome(),
        },
    )
}
