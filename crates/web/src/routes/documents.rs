//! Enforcement documents over the API: the blank forms printed before a field visit.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Reason;
use utoipa_axum::{router::OpenApiRouter, routes};

/// A blank form (`<kind>.pdf`: registration_approval 立案审批表, inspection_record 现场检查（勘察）
/// 笔录, questioning_record 调查询问笔录, sampling_record 采样记录, preservation_notice
/// 先行登记保存通知书, investigation_report 案件调查终结报告, review_opinion 案件审查意见书,
/// recusal_decision 回避决定书) for printing, headed with the bureau's name; any reader of cases.
#[utoipa::path(get, path = "/api/v1/documents/blank/{file}", tag = "documents",
    params(("file" = String, Path, description = "`<kind>.pdf`")),
    responses((status = 200, content_type = "application/pdf", description = "the form"),
              (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn blank(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let Some(kind) = file.strip_suffix(".pdf") else {
        return Err(ApiError::one(
            StatusCode::NOT_FOUND,
            Reason::new("document.unknown_kind").arg("kind", &file),
        ));
    };
    let pdf = state.app.blank_form(&auth.actor, kind).await?;
    let disposition = format!("inline; filename=\"{kind}.pdf\"");
    let mut response = (StatusCode::OK, pdf.bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(blank))
}
