//! The pages over HTTP: cookie sign-in, scoping, the language switch, exports, CSRF.

use crate::helpers::TestApp;
use crate::on_both_backends;
use app::seed::DEMO_PASSWORD;
use reqwest::redirect::Policy;

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// Signs in through the form and returns the session cookie pair.
pub(crate) async fn sign_in(
    app: &TestApp,
    user: &str,
    password: &str,
) -> (reqwest::StatusCode, String, String) {
    let totp = app.demo_totp(user).await.unwrap_or_default();
    sign_in_totp(app, user, password, &totp).await
}

async fn sign_in_totp(
    app: &TestApp,
    user: &str,
    password: &str,
    totp: &str,
) -> (reqwest::StatusCode, String, String) {
    let r = client()
        .post(app.url("/login"))
        .form(&[("username", user), ("password", password), ("totp", totp)])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("ecoenforce_session="))
        .unwrap_or_default();
    (status, location, cookie)
}

pub(crate) fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

/// A page opened from within the platform, as a browser says it (`Sec-Fetch-Site`).
pub(crate) async fn page(app: &TestApp, cookie: &str, path: &str) -> (u16, String, Vec<String>) {
    let r = client()
        .get(app.url(path))
        .header("cookie", cookie)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let cookies = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    (status, r.text().await.unwrap(), cookies)
}

async fn pages_are_scoped_bilingual_and_exportable(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    assert_eq!(
        page(&app, "", "/entities").await.0,
        303,
        "signed out goes to sign-in"
    );
    let (s, _, _) = sign_in(&app, "menghai.officer", "Wrong@2026!").await;
    assert_eq!(s, 401);
    let (s, to, set) = sign_in(&app, "menghai.officer", DEMO_PASSWORD).await;
    assert_eq!((s.as_u16(), to.as_str()), (303, "/"));
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    assert!(!set.contains("Secure"), "plain HTTP by default: {set}");
    let cookie = pair(&set);

    let (s, html, _) = page(&app, &cookie, "/entities").await;
    assert_eq!(s, 200);
    assert!(html.contains("共 20 条"), "zh-CN by default");
    assert_eq!(html.matches("data-county=\"532822\"").count(), 20);
    assert!(!html.contains("data-county=\"532801\"") && !html.contains("data-county=\"532823\""));
    assert!(html.contains("演示数据"), "demo rows are labelled");
    let (_, html, _) = page(&app, &cookie, "/entities?q=%E7%B3%96%E5%8E%82").await; // 糖厂
    assert!(html.matches("data-county=").count() >= 2 && html.contains("糖厂"));
    // Outside scope: an entity of Jinghong is a 404 page.
    let all = app
        .store
        .entities(
            &store::Scope::counties(vec!["532801".into()]),
            &Default::default(),
            0,
            1,
        )
        .await
        .unwrap();
    let (s, _, _) = page(&app, &cookie, &format!("/entities/{}", all.items[0].id)).await;
    assert_eq!(s, 404);

    // The English switch, remembered in a cookie, and back.
    let (_, html, set) = page(&app, &cookie, "/entities?lang=en").await;
    assert!(html.contains("20 in all") && html.contains("lang=\"en\""));
    let lang = set
        .iter()
        .find(|c| c.starts_with("lang="))
        .expect("lang cookie");
    let both = format!("{cookie}; {}", pair(lang));
    let (_, html, _) = page(&app, &both, "/").await;
    assert!(
        html.contains("Regulated entities by county"),
        "English stays"
    );
    let (_, html, _) = page(&app, &both, "/?lang=zh-CN").await;
    assert!(html.contains("各县（市）监管对象"));

    // Exports carry the list's scope and filters; formula cells are neutralised.
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let mut body = serde_json::json!({
        "uscc": app::seed::demo_uscc("532822", 77_777), "name": "=HYPERLINK(\"http://x\")",
        "county_code": "532822", "industry_code": "1340", "class": "key", "address": "@SUM(A1)",
        "lat": 21.9, "lon": 100.4
    });
    body["legal_representative"] = serde_json::json!("-1+1");
    let r = app
        .client
        .post(app.url("/api/v1/entities"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = client()
        .get(app.url("/entities/export.csv?class=key"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "UTF-8 with BOM");
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\"")
            && csv.contains("\"'@SUM(A1)\"")
            && csv.contains("\"'-1+1\""),
        "{csv}"
    );
    assert!(
        csv.lines().skip(1).all(|l| l.contains("\"532822\"")),
        "scoped like the list"
    );
    assert!(
        csv.lines().skip(1).all(|l| l.contains("重点监管")),
        "filtered like the list"
    );
    let r = client()
        .get(app.url("/entities/export.xlsx"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");

    // A cross-site form post is refused; a same-origin one works.
    let r = client()
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = client()
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(page(&app, &cookie, "/").await.0, 303, "signed out");
}

async fn a_forced_password_change_through_the_pages(app: TestApp) {
    let seeded = app.app.bootstrap().await.unwrap();
    let (user, password) = seeded.admin.unwrap();
    let secret = seeded.admin_totp.unwrap();
    let code = app.totp_for(&user, &secret).await;
    // Without the second factor the page refuses and says why.
    let (status, _, _) = sign_in_totp(&app, &user, &password, "").await;
    assert_eq!(status, 401);
    let (_, to, set) = sign_in_totp(&app, &user, &password, &code).await;
    assert_eq!(to, "/password");
    let cookie = pair(&set);
    assert_eq!(
        page(&app, &cookie, "/").await.0,
        303,
        "everything else waits for the change"
    );
    let (s, html, _) = page(&app, &cookie, "/password").await;
    assert_eq!(s, 200);
    assert!(html.contains("请先设置新密码"));
    let post = |current: String, new: &'static str| {
        client()
            .post(app.url("/password"))
            .header("cookie", cookie.clone())
            .form(&[("current", current), ("new", new.to_owned())])
            .send()
    };
    let r = post(password.clone(), "weak").await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("密码至少 10 个字符"));
    let r = post(password.clone(), "Strong-Pass-2026").await.unwrap();
    assert_eq!(r.status(), 303);
    let (s, html, _) = page(&app, &cookie, "/account").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("当前会话") && html.contains("成功"),
        "sessions and sign-in history"
    );
}

/// Issue 19: every role lands on a home page of its own — never an error — with a header that
/// offers only what the role may open and names the person, not the login.
async fn every_role_has_a_home_page(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let roles = [
        (
            "admin",
            &["nav-admin"][..],
            &["nav-audit", "certificate-banner"][..],
        ),
        ("secadmin", &["nav-admin"], &["nav-entities", "nav-audit"]),
        ("auditadmin", &["nav-audit"], &["nav-entities", "nav-admin"]),
        (
            "ju.head",
            &["nav-entities", "waiting-title"],
            &["nav-admin"],
        ),
        (
            "zhidui.lead",
            &["nav-entities", "expiring-title"],
            &["nav-admin"],
        ),
        (
            "menghai.officer",
            &["nav-entities", "my-certificate"],
            &["nav-admin"],
        ),
        ("menghai.aux", &["nav-entities"], &["my-certificate"]),
        ("fazhi.reviewer", &["nav-entities"], &["nav-admin"]),
        ("mengzhe.liaison", &["waiting-title"], &["nav-entities"]),
        ("police.partner", &["waiting-title"], &["nav-entities"]),
    ];
    for (user, shown, hidden) in roles {
        let (_, _, set) = sign_in(&app, user, DEMO_PASSWORD).await;
        let (s, html, _) = page(&app, &pair(&set), "/").await;
        assert_eq!(s, 200, "{user}: {html}");
        assert!(
            !html.contains("无权") && !html.contains("出错"),
            "{user}: {html}"
        );
        for id in shown {
            assert!(html.contains(&format!("id=\"{id}\"")), "{user} lacks {id}");
        }
        for id in hidden {
            assert!(!html.contains(&format!("id=\"{id}\"")), "{user} shows {id}");
        }
        let account = html.split("id=\"nav-account\"").nth(1).unwrap_or_default();
        let shown_name = &account[..account.find("</a>").unwrap_or(0)];
        assert!(
            !shown_name.contains(user),
            "{user}: the header names the login"
        );
    }
}

/// Issue 19: the language switch on a page that answers a POST leads to the page that posted
/// (a GET), never to the POST's address; a message left by an action is shown once, and only
/// one of the platform's own.
async fn the_switch_after_a_post_and_messages_after_actions(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let (_, _, set) = sign_in(&app, "menghai.officer", DEMO_PASSWORD).await;
    let cookie = pair(&set);
    let r = client()
        .post(app.url("/password"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .header("referer", app.url("/password"))
        .form(&[("current", "wrong-password"), ("new", "Another@2026!x")])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    let switch = html.split("id=\"lang-switch\" ").nth(1).unwrap_or_default();
    assert!(
        switch.contains("href=\"/password?lang=en\""),
        "the switch leads back to the form: {switch}"
    );
    // A forged message id is not shown; a known one is, once.
    let (_, html, _) = page(&app, &format!("{cookie}; flash=<script>"), "/").await;
    assert!(!html.contains("id=\"flash\""));
    let (_, html, set_cookies) = page(&app, &format!("{cookie}; flash=ui-flash_saved"), "/").await;
    assert!(
        html.contains("id=\"flash\"") && html.contains("已保存"),
        "{html}"
    );
    assert!(
        set_cookies.iter().any(|c| c.starts_with("flash=;")),
        "the message is cleared once shown: {set_cookies:?}"
    );
}

on_both_backends!(
    pages_are_scoped_bilingual_and_exportable,
    a_forced_password_change_through_the_pages,
    every_role_has_a_home_page,
    the_switch_after_a_post_and_messages_after_actions,
);

#[tokio::test]
async fn the_cookie_is_secure_when_configured() {
    let settings = app::AppSettings {
        cookie_secure: true,
        ..Default::default()
    };
    let app = crate::helpers::spawn_app_with(
        crate::helpers::Kind::Sqlite,
        "secure cookie",
        settings,
        std::sync::Arc::new(app::SystemClock),
    )
    .await
    .unwrap();
    app.app.seed_demo().await.unwrap();
    let (_, _, set) = sign_in(&app, "menghai.officer", DEMO_PASSWORD).await;
    assert!(set.contains("; Secure"), "{set}");
}

/// Issue 12 (4): the administration pages, read only, each for its administrators, with links
/// in the header only for them.
async fn administration_pages_for_their_administrators(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let cookie_of = |set: String| pair(&set);
    let (_, _, set) = sign_in(&app, "secadmin", DEMO_PASSWORD).await;
    let sec = cookie_of(set);
    let (s, html, _) = page(&app, &sec, "/admin").await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"nav-admin\"") && !html.contains("id=\"nav-audit\""));
    // Every account with its roles and certificate; the expired one is marked.
    assert!(html.contains("data-username=\"menghai.aux\""));
    let row = html
        .split("data-username=\"mengla.officer2\"")
        .nth(1)
        .unwrap();
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("text-bg-danger"), "{row}");
    assert!(html.contains("id=\"units\""));
    assert!(html.contains("app.signin_max_failures") && !html.contains("app.prefecture_code"));
    let (_, _, set) = sign_in(&app, "admin", DEMO_PASSWORD).await;
    let (s, html, _) = page(&app, &cookie_of(set.clone()), "/admin").await;
    assert_eq!(s, 200);
    // The 文号 and case number forms are unconfirmed for Xishuangbanna: the page says so on
    // each of them, and not on a confirmed setting.
    assert!(html.contains("id=\"settings-unconfirmed\""), "{html}");
    for key in [
        "app.document_numbers.preservation_notice.brigade",
        "app.case_number_brigade",
        "app.hearing.organisation.fen",
        "app.hearing.person.comparator",
        "app.statement_days",
    ] {
        let row = html.split(&format!("<code>{key}</code>")).nth(1).unwrap();
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(
            row.contains("class=\"badge text-bg-warning unconfirmed\""),
            "{key}: {row}"
        );
    }
    let row = html
        .split("<code>app.prefecture_code</code>")
        .nth(1)
        .unwrap();
    assert!(!row[..row.find("</tr>").unwrap()].contains("unconfirmed"));
    assert_eq!(page(&app, &cookie_of(set), "/admin/audit").await.0, 403);
    let (_, _, set) = sign_in(&app, "auditadmin", DEMO_PASSWORD).await;
    let audit = cookie_of(set);
    let (s, html, _) = page(&app, &audit, "/admin/audit").await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"nav-audit\"") && !html.contains("id=\"nav-admin\""));
    assert!(html.contains("id=\"signin-audit\"") && html.contains("secadmin"));
    // Administration events in words, not schema names.
    assert!(html.contains("创建账号") && !html.contains("user.created/v1"));
    assert_eq!(page(&app, &audit, "/admin").await.0, 403);
    let (_, _, set) = sign_in(&app, "menghai.officer", DEMO_PASSWORD).await;
    let officer = cookie_of(set);
    let (_, home, _) = page(&app, &officer, "/").await;
    assert!(!home.contains("nav-admin") && !home.contains("nav-audit"));
    assert_eq!(page(&app, &officer, "/admin").await.0, 403);
    assert_eq!(page(&app, &officer, "/admin/audit").await.0, 403);
}

/// The account forms: each administrator sees and uses only their own duty's; a refusal is shown
/// on the page and changes nothing; a reset's secret is shown once.
async fn administration_forms(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let post = |cookie: String, path: String, form: Vec<(&'static str, String)>| {
        let url = app.url(&path);
        async move {
            let r = client()
                .post(url)
                .header("cookie", cookie)
                .header("sec-fetch-site", "same-origin")
                .form(&form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (_, _, set) = sign_in(&app, "admin", DEMO_PASSWORD).await;
    let sys = pair(&set);
    let (_, _, set) = sign_in(&app, "secadmin", DEMO_PASSWORD).await;
    let sec = pair(&set);
    let (s, html, _) = page(&app, &sys, "/admin/users/menghai.officer2").await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"edit-save\"") && html.contains("id=\"certificate-save\""));
    assert!(!html.contains("id=\"access-save\"") && !html.contains("id=\"password-reset\""));
    let (_, html, _) = page(&app, &sec, "/admin/users/menghai.officer2").await;
    assert!(html.contains("id=\"access-save\"") && !html.contains("id=\"edit-save\""));

    // System administrator: a new account, then its name and unit, a certificate, disabling.
    let (s, html) = post(
        sys.clone(),
        "/admin/users".into(),
        vec![
            ("username", "tao.officer".into()),
            ("display_name", "陶执法（测试）".into()),
            ("unit_code", "".into()),
        ],
    )
    .await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("id=\"admin-secret\""),
        "the initial password, once"
    );
    let (_, html) = post(
        sys.clone(),
        "/admin/users/tao.officer/edit".into(),
        vec![("display_name", "".into()), ("unit_code", "".into())],
    )
    .await;
    assert!(
        html.contains("id=\"admin-errors\"") && html.contains("此项为必填项"),
        "{html}"
    );
    let (_, html) = post(
        sys.clone(),
        "/admin/users/tao.officer/edit".into(),
        vec![
            ("display_name", "陶某".into()),
            ("unit_code", "xsbn-detachment".into()),
        ],
    )
    .await;
    assert!(
        html.contains("id=\"admin-done\"") && html.contains("陶某"),
        "{html}"
    );
    let (_, html) = post(
        sys.clone(),
        "/admin/users/tao.officer/certificate".into(),
        vec![
            ("number", "YN-9".into()),
            ("issuing_authority", "云南省人民政府".into()),
            ("valid_from", "2026-01-01".into()),
            ("valid_until", "not a date".into()),
        ],
    )
    .await;
    assert!(html.contains("id=\"admin-errors\""), "{html}");
    let (_, html) = post(
        sys.clone(),
        "/admin/users/tao.officer/certificate".into(),
        vec![
            ("number", "YN-9".into()),
            ("issuing_authority", "云南省人民政府".into()),
            ("valid_from", "2026-01-01".into()),
            ("valid_until", "2031-12-31".into()),
        ],
    )
    .await;
    assert!(html.contains("YN-9 · 云南省人民政府"), "{html}");
    // Not the security administrator's work.
    let (_, html) = post(
        sec.clone(),
        "/admin/users/tao.officer/certificate".into(),
        vec![
            ("number", "X".into()),
            ("issuing_authority", "X".into()),
            ("valid_from", "2026-01-01".into()),
            ("valid_until", "2031-12-31".into()),
        ],
    )
    .await;
    assert!(html.contains("id=\"admin-errors\"") && html.contains("YN-9 · 云南省人民政府"));

    // Security administrator: roles and jurisdiction, a password reset shown once, unlock.
    let (_, html) = post(
        sec.clone(),
        "/admin/users/tao.officer/access".into(),
        vec![
            ("roles", "brigade_officer".into()),
            ("roles", "audit_admin".into()),
        ],
    )
    .await;
    assert!(
        html.contains("id=\"admin-errors\""),
        "an administrator role stands alone: {html}"
    );
    let (_, html) = post(
        sec.clone(),
        "/admin/users/tao.officer/access".into(),
        vec![
            ("roles", "brigade_officer".into()),
            ("counties", "532822".into()),
        ],
    )
    .await;
    assert!(html.contains("id=\"admin-done\""), "{html}");
    let u = app
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "tao.officer")
        .unwrap();
    assert_eq!(
        (u.roles, u.counties),
        (
            vec![domain::Role::BrigadeOfficer],
            Some(vec!["532822".to_owned()])
        )
    );
    let (_, html) = post(
        sec.clone(),
        "/admin/users/tao.officer/password-reset".into(),
        vec![],
    )
    .await;
    assert!(html.contains("id=\"admin-secret\""), "{html}");
    let (_, html) = post(
        sec.clone(),
        "/admin/users/tao.officer/unlock".into(),
        vec![],
    )
    .await;
    assert!(html.contains("id=\"admin-done\""));
    let (_, html) = post(
        sec.clone(),
        "/admin/users/secadmin/access".into(),
        vec![("roles", "bureau_head".into())],
    )
    .await;
    assert!(html.contains("管理员不得更改自己账号的权限"), "{html}");
    let (_, html) = post(
        sys.clone(),
        "/admin/users/tao.officer/disable".into(),
        vec![],
    )
    .await;
    assert!(html.contains("id=\"enable\""), "{html}");
    let (s, _) = post(
        sec.clone(),
        "/admin/users/tao.officer/explode".into(),
        vec![],
    )
    .await;
    assert_eq!(s, 404);
    // An officer gets nowhere.
    let (_, _, set) = sign_in(&app, "menghai.officer", DEMO_PASSWORD).await;
    let officer = pair(&set);
    assert_eq!(
        page(&app, &officer, "/admin/users/tao.officer").await.0,
        403
    );
    assert_eq!(page(&app, &officer, "/admin/users").await.0, 403);
}

/// Every administration page and form for every demo role: only its own administrator passes.
async fn every_admin_page_for_every_role(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let roles = [
        "admin",
        "secadmin",
        "auditadmin",
        "ju.head",
        "zhidui.officer",
        "menghai.officer",
        "fazhi.reviewer",
        "police.partner",
    ];
    for user in roles {
        let (_, _, set) = sign_in(&app, user, DEMO_PASSWORD).await;
        let cookie = pair(&set);
        let expect = |owners: &[&str], ok: u16| if owners.contains(&user) { ok } else { 403 };
        for (path, owners) in [
            ("/admin", &["admin", "secadmin"][..]),
            ("/admin/users/menghai.officer2", &["admin", "secadmin"][..]),
            ("/admin/users", &["admin"][..]),
            ("/admin/audit", &["auditadmin"][..]),
        ] {
            assert_eq!(
                page(&app, &cookie, path).await.0,
                expect(owners, 200),
                "{user} GET {path}"
            );
        }
        for (action, owner) in [
            ("disable", "admin"),
            ("enable", "admin"),
            ("unlock", "secadmin"),
            ("totp-reset", "secadmin"),
        ] {
            let r = client()
                .post(app.url(&format!("/admin/users/menghai.officer2/{action}")))
                .header("cookie", &cookie)
                .header("sec-fetch-site", "same-origin")
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status().as_u16(),
                expect(&[owner], 200),
                "{user} POST {action}"
            );
        }
    }
}

on_both_backends!(
    administration_pages_for_their_administrators,
    administration_forms,
    every_admin_page_for_every_role
);

/// The entity page's <title> is the entity's name and nothing else (a template edit once put
/// the evidence card into it).
async fn the_entity_page_title_is_its_name(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let (_, list) = crate::entities::get(&app, &token, "/api/v1/entities?per_page=1").await;
    let (id, name) = (
        list["items"][0]["id"].as_str().unwrap().to_owned(),
        list["items"][0]["name"].as_str().unwrap().to_owned(),
    );
    let (_, _, set) = sign_in(&app, "menghai.officer", DEMO_PASSWORD).await;
    let (s, html, _) = page(&app, &pair(&set), &format!("/entities/{id}")).await;
    assert_eq!(s, 200);
    let title = html
        .split("<title>")
        .nth(1)
        .unwrap()
        .split("</title>")
        .next()
        .unwrap();
    assert!(title.starts_with(&name) && !title.contains('<'), "{title}");
    assert_eq!(html.matches("id=\"ev-submit\"").count(), 1);
}

on_both_backends!(the_entity_page_title_is_its_name);
