//! Loading the holiday tables: embedded from `config/calendar/` at build, overridden or extended
//! by `<data-dir>/calendar/{national,prefecture}/YYYY.toml`, reloadable while running.

use crate::{App, AppError};
use chrono::{Datelike, NaiveDate};
use domain::calendar::{Calendar, YearTable};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

const EMBEDDED_NATIONAL: &[&str] = &[
    include_str!("../../../config/calendar/national/2024.toml"),
    include_str!("../../../config/calendar/national/2025.toml"),
    include_str!("../../../config/calendar/national/2026.toml"),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    year: i32,
    #[allow(dead_code)]
    source: String,
    #[serde(default)]
    make_up_working_days: Vec<NaiveDate>,
    #[serde(default)]
    holidays: Vec<Holiday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Holiday {
    #[allow(dead_code)]
    name: String,
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Debug, thiserror::Error)]
#[error("holiday table {file}: {problem}")]
pub struct CalendarError {
    pub file: String,
    pub problem: String,
}

/// Parses one year's table and checks it: every date in its year, ranges in order, no date both
/// a holiday and a make-up working day.
pub fn parse_table(file: &str, text: &str) -> Result<(i32, YearTable), CalendarError> {
    let err = |problem: String| CalendarError {
        file: file.to_owned(),
        problem,
    };
    let t: TableFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
    let mut table = YearTable::default();
    for h in &t.holidays {
        if h.to < h.from {
            return Err(err(format!("{} to {} is reversed", h.from, h.to)));
        }
        let mut d = h.from;
        while d <= h.to {
            table.rest.insert(d);
            d = d
                .succ_opt()
                .ok_or_else(|| err("date out of range".into()))?;
        }
    }
    for d in &t.make_up_working_days {
        if table.rest.contains(d) {
            return Err(err(format!(
                "{d} is both a holiday and a make-up working day"
            )));
        }
        table.work.insert(*d);
    }
    if let Some(d) = table
        .rest
        .iter()
        .chain(&table.work)
        .find(|d| d.year() != t.year)
    {
        return Err(err(format!("{d} is not in {}", t.year)));
    }
    Ok((t.year, table))
}

fn read_dir(dir: &Path, into: &mut BTreeMap<i32, YearTable>) -> Result<(), CalendarError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| CalendarError {
            file: name.clone(),
            problem: e.to_string(),
        })?;
        let (year, table) = parse_table(&name, &text)?;
        into.insert(year, table);
    }
    Ok(())
}

/// The embedded national tables, overridden or extended by `<data_dir>/calendar/`.
pub fn load(data_dir: Option<&Path>, prefecture_applies: bool) -> Result<Calendar, CalendarError> {
    let mut national = BTreeMap::new();
    for (i, text) in EMBEDDED_NATIONAL.iter().enumerate() {
        let (year, table) = parse_table(&format!("embedded #{i}"), text)?;
        national.insert(year, table);
    }
    let mut prefecture = BTreeMap::new();
    if let Some(dir) = data_dir {
        read_dir(&dir.join("calendar/national"), &mut national)?;
        read_dir(&dir.join("calendar/prefecture"), &mut prefecture)?;
    }
    Ok(Calendar::new(national, prefecture, prefecture_applies))
}

impl App {
    /// The tables in force.
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the tables in force (start-up, SIGHUP); a bad file keeps the old tables.
    pub fn reload_calendar(&self, data_dir: Option<&Path>) -> Result<(), AppError> {
        let calendar = load(data_dir, self.settings.calendar_prefecture_layer)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        *self.calendar.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(calendar);
        Ok(())
    }
}
