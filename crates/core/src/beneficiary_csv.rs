//! The register of beneficiaries as the CSV a village office keeps in a spreadsheet: export for
//! the office, import from it. A bad row is reported by its line number with the reason and
//! the good rows are imported; a row is taken whole or not at all.

use crate::model::{
    Beneficiary, BeneficiaryFlags, BeneficiaryId, BeneficiaryPrivate, FamilyContact, Gender,
    TaskKind, Village,
};

/// A column: Chinese header (what export writes), English header (also accepted on import).
struct Column {
    zh: &'static str,
    en: &'static str,
}

const fn col(zh: &'static str, en: &'static str) -> Column {
    Column { zh, en }
}

const ID: usize = 0;
const NAME: usize = 1;
const GROUP: usize = 2;
const GENDER: usize = 3;
const BIRTH_YEAR: usize = 4;
const FLAGS: [usize; 6] = [5, 6, 7, 8, 9, 10];
const NEEDS: usize = 11;
const ADDRESS: usize = 12;
const PHONE: usize = 13;
const CONTACT: usize = 14;
const RELATION: usize = 15;
const CONTACT_PHONE: usize = 16;
const HEALTH: usize = 17;

const COLUMNS: [Column; 18] = [
    col("编号", "id"),
    col("姓名", "name"),
    col("村民小组", "group"),
    col("性别", "gender"),
    col("出生年份", "birth_year"),
    col("老人", "elderly"),
    col("独居", "lives_alone"),
    col("空巢", "empty_nest"),
    col("残疾", "disabled"),
    col("低保", "low_income"),
    col("留守儿童", "left_behind_child"),
    col("服务需求", "needs"),
    col("地址", "address"),
    col("电话", "phone"),
    col("紧急联系人", "contact"),
    col("联系人关系", "contact_relation"),
    col("联系人电话", "contact_phone"),
    col("健康备注", "health_notes"),
];

/// Why a row was not imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowProblem {
    EmptyName,
    UnknownGroup(String),
    BadGender(String),
    BadBirthYear(String),
    BadYesNo {
        column: &'static str,
        value: String,
    },
    UnknownNeed(String),
    /// The row breaks a rule of the model (e.g. a phone number that cannot be dialled).
    Invalid(String),
    DuplicateId(String),
}

impl RowProblem {
    pub fn zh(&self) -> String {
        match self {
            RowProblem::EmptyName => "姓名为空".into(),
            RowProblem::UnknownGroup(g) => format!("没有这个村民小组：{g}"),
            RowProblem::BadGender(v) => format!("性别应为“男”或“女”：{v}"),
            RowProblem::BadBirthYear(v) => format!("出生年份应为 1900–2100 的数字：{v}"),
            RowProblem::BadYesNo { column, value } => {
                format!("“{column}”应为“是”或“否”：{value}")
            }
            RowProblem::UnknownNeed(v) => format!("不认识的服务需求：{v}"),
            RowProblem::Invalid(m) => format!("内容不合规：{m}"),
            RowProblem::DuplicateId(id) => format!("编号重复：{id}"),
        }
    }

    pub fn en(&self) -> String {
        match self {
            RowProblem::EmptyName => "the name is empty".into(),
            RowProblem::UnknownGroup(g) => format!("no such village group: {g}"),
            RowProblem::BadGender(v) => format!("gender must be male or female: {v}"),
            RowProblem::BadBirthYear(v) => format!("birth year must be 1900-2100: {v}"),
            RowProblem::BadYesNo { column, value } => {
                format!("{column} must be yes or no: {value}")
            }
            RowProblem::UnknownNeed(v) => format!("unknown kind of need: {v}"),
            RowProblem::Invalid(m) => format!("not valid: {m}"),
            RowProblem::DuplicateId(id) => format!("the id appears twice: {id}"),
        }
    }
}

/// A problem with the whole file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the file is empty")]
    Empty,
    #[error("the header has no {0} column")]
    MissingColumn(&'static str),
    #[error("line {0}: a quoted field is not closed")]
    UnclosedQuote(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    pub beneficiary: Beneficiary,
    /// True when the row's id names someone already in the register (an update).
    pub existing: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportReport {
    pub imported: Vec<Imported>,
    /// (line number in the file, counting the header as line 1; the problem).
    pub rejected: Vec<(usize, RowProblem)>,
}

/// Splits CSV text into records of fields (RFC 4180: quotes, doubled quotes, line breaks inside
/// quotes), each with the line it starts on. A byte-order mark is skipped. Also read by
/// [`crate::reports`]' tests.
pub(crate) fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                fields.push(std::mem::take(&mut field));
                out.push((start_line, std::mem::take(&mut fields)));
                line += 1;
                start_line = line;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(CsvError::UnclosedQuote(start_line));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        out.push((start_line, fields));
    }
    // Blank lines (a spreadsheet's trailing ones) are not rows.
    out.retain(|(_, f)| f.iter().any(|x| !x.trim().is_empty()));
    Ok(out)
}

/// A field as CSV writes it: quoted (quotes doubled) when it holds a comma, a quote or a line
/// break. Shared with [`crate::reports`].
pub(crate) fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

fn yes_no(value: &str) -> Option<bool> {
    match value.trim().to_lowercase().as_str() {
        "是" | "y" | "yes" | "1" | "true" | "√" | "✓" => Some(true),
        "" | "否" | "n" | "no" | "0" | "false" => Some(false),
        _ => None,
    }
}

/// The register as CSV, UTF-8 with a byte-order mark so spreadsheet programs read the Chinese.
pub fn export(village: &Village, beneficiaries: &[Beneficiary]) -> String {
    let mut out = String::from("\u{feff}");
    let header: Vec<&str> = COLUMNS.iter().map(|c| c.zh).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for b in beneficiaries {
        let group = village
            .group(&b.group)
            .map(|g| g.name.clone())
            .unwrap_or_else(|| b.group.as_str().to_owned());
        let f = &b.flags;
        let yes = |on: bool| if on { "是" } else { "否" }.to_owned();
        let private = b.private.clone().unwrap_or_default();
        let contact = private.family_contact.clone();
        let row = [
            b.id.as_str().to_owned(),
            b.name.clone(),
            group,
            match b.gender {
                Some(Gender::Female) => "女".into(),
                Some(Gender::Male) => "男".into(),
                None => String::new(),
            },
            b.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            yes(f.elderly),
            yes(f.lives_alone),
            yes(f.empty_nest),
            yes(f.disabled),
            yes(f.low_income),
            yes(f.left_behind_child),
            b.needs
                .iter()
                .map(|k| k.label_zh())
                .collect::<Vec<_>>()
                .join("、"),
            private.address.clone(),
            private.phone.clone().unwrap_or_default(),
            contact.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            contact
                .as_ref()
                .map(|c| c.relation.clone())
                .unwrap_or_default(),
            contact
                .as_ref()
                .map(|c| c.phone.clone())
                .unwrap_or_default(),
            private.health_notes.clone(),
        ];
        let row: Vec<String> = row.iter().map(|f| quote(f)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Reads a register. Rows without an id (or with an id not yet used) are new beneficiaries;
/// new ids are numbered after the highest `b-NNNN` in `existing`. Each good row becomes one
/// complete beneficiary; each bad row is reported and skipped whole.
pub fn import(
    text: &str,
    village: &Village,
    existing: &[Beneficiary],
) -> Result<ImportReport, CsvError> {
    let mut rows = records(text)?.into_iter();
    let (_, header) = rows.next().ok_or(CsvError::Empty)?;
    let position: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|c| {
            header.iter().position(|h| {
                let h = h.trim();
                h == c.zh || h.eq_ignore_ascii_case(c.en)
            })
        })
        .collect();
    for required in [NAME, GROUP] {
        if position[required].is_none() {
            return Err(CsvError::MissingColumn(COLUMNS[required].zh));
        }
    }
    let mut next_number = existing
        .iter()
        .filter_map(|b| b.id.as_str().strip_prefix("b-")?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    let mut report = ImportReport::default();
    let mut seen_ids: Vec<String> = Vec::new();
    for (line, fields) in rows {
        let get = |column: usize| -> String {
            position[column]
                .and_then(|i| fields.get(i))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        match row(&get, village) {
            Ok(mut beneficiary) => {
                let given = get(ID);
                // A number is used up only by a row that is imported.
                let (id, is_existing) = if given.is_empty() {
                    (
                        BeneficiaryId::numbered(next_number + 1).as_str().to_owned(),
                        false,
                    )
                } else {
                    let known = existing.iter().any(|b| b.id.as_str() == given);
                    (given.clone(), known)
                };
                if seen_ids.contains(&id) {
                    report.rejected.push((line, RowProblem::DuplicateId(id)));
                    continue;
                }
                beneficiary.id = BeneficiaryId::new(id.clone());
                if let Err(e) = beneficiary.validate() {
                    report
                        .rejected
                        .push((line, RowProblem::Invalid(e.to_string())));
                    continue;
                }
                if given.is_empty() {
                    next_number += 1;
                }
                seen_ids.push(id);
                report.imported.push(Imported {
                    beneficiary,
                    existing: is_existing,
                });
            }
            Err(problem) => report.rejected.push((line, problem)),
        }
    }
    Ok(report)
}

fn row(get: &dyn Fn(usize) -> String, village: &Village) -> Result<Beneficiary, RowProblem> {
    let name = get(NAME);
    if name.is_empty() {
        return Err(RowProblem::EmptyName);
    }
    let group_text = get(GROUP);
    let group = village
        .groups
        .iter()
        .find(|g| g.name == group_text || g.id.as_str() == group_text)
        .map(|g| g.id.clone())
        .ok_or(RowProblem::UnknownGroup(group_text))?;
    let gender = match get(GENDER).to_lowercase().as_str() {
        "" => None,
        "女" | "f" | "female" => Some(Gender::Female),
        "男" | "m" | "male" => Some(Gender::Male),
        other => return Err(RowProblem::BadGender(other.to_owned())),
    };
    let year = get(BIRTH_YEAR);
    let birth_year = if year.is_empty() {
        None
    } else {
        match year.parse::<u16>() {
            Ok(y) if (1900..=2100).contains(&y) => Some(y),
            _ => return Err(RowProblem::BadBirthYear(year)),
        }
    };
    let mut flags = [false; 6];
    for (slot, column) in flags.iter_mut().zip(FLAGS) {
        let value = get(column);
        *slot = yes_no(&value).ok_or(RowProblem::BadYesNo {
            column: COLUMNS[column].zh,
            value,
        })?;
    }
    let mut needs = Vec::new();
    for part in get(NEEDS).split(['、', ';', '；', '/', ',', '，']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let kind: TaskKind = part
            .parse()
            .map_err(|_| RowProblem::UnknownNeed(part.to_owned()))?;
        if !needs.contains(&kind) {
            needs.push(kind);
        }
    }
    let (address, phone, health) = (get(ADDRESS), get(PHONE), get(HEALTH));
    let (contact, relation, contact_phone) = (get(CONTACT), get(RELATION), get(CONTACT_PHONE));
    let family_contact =
        (!contact.is_empty() || !contact_phone.is_empty()).then_some(FamilyContact {
            name: contact,
            relation,
            phone: contact_phone,
        });
    let has_private =
        !address.is_empty() || !phone.is_empty() || !health.is_empty() || family_contact.is_some();
    Ok(Beneficiary {
        id: BeneficiaryId::new("pending"),
        name,
        group,
        gender,
        birth_year,
        flags: BeneficiaryFlags {
            elderly: flags[0],
            lives_alone: flags[1],
            empty_nest: flags[2],
            disabled: flags[3],
            low_income: flags[4],
            left_behind_child: flags[5],
        },
        needs,
        preferences: Default::default(),
        private: has_private.then(|| BeneficiaryPrivate {
            address,
            phone: (!phone.is_empty()).then_some(phone),
            family_contact,
            health_notes: health,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DemoParams};

    #[test]
    fn the_register_round_trips_through_its_own_export() {
        let demo = generate(&DemoParams::village());
        let text = export(&demo.village, &demo.beneficiaries);
        assert!(
            text.starts_with('\u{feff}'),
            "a BOM for spreadsheet programs"
        );
        assert!(text.contains("姓名,村民小组"));
        let report = import(&text, &demo.village, &demo.beneficiaries).expect("import");
        assert!(report.rejected.is_empty(), "{:?}", report.rejected.first());
        let back: Vec<Beneficiary> = report
            .imported
            .iter()
            .map(|i| i.beneficiary.clone())
            .collect();
        assert!(report.imported.iter().all(|i| i.existing));
        // Preferences are not in the spreadsheet; everything else comes back.
        let without_preferences: Vec<Beneficiary> = demo
            .beneficiaries
            .iter()
            .map(|b| Beneficiary {
                preferences: Default::default(),
                ..b.clone()
            })
            .collect();
        assert_eq!(back, without_preferences);
    }

    #[test]
    fn a_bad_row_is_reported_by_line_and_the_good_rows_are_imported() {
        let demo = generate(&DemoParams::village());
        let group = &demo.village.groups[0].name;
        let text = format!(
            "姓名,村民小组,独居,出生年份,服务需求,地址,电话\n\
             王奶奶,{group},是,1941,上门探访、代取药品,\"第一组 3号, 东屋\",13900001111\n\
             张爷爷,第九十九组,否,1938,,,\n\
             \n\
             \"李\"\"老\"\"伯\",{group},maybe,1950,,,\n\
             赵阿姨,{group},否,1960,跳广场舞,,\n\
             陈伯,{group},否,1939,,,123\n\
             刘婆婆,{group},是,1936,高温巡访,,\n"
        );
        let report = import(&text, &demo.village, &demo.beneficiaries).expect("import");
        let lines: Vec<usize> = report.rejected.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![3, 5, 6, 7]);
        assert_eq!(
            report.rejected[0].1,
            RowProblem::UnknownGroup("第九十九组".into())
        );
        assert!(report.rejected[1].1.zh().contains("独居"));
        assert_eq!(
            report.rejected[2].1,
            RowProblem::UnknownNeed("跳广场舞".into())
        );
        assert!(
            matches!(report.rejected[3].1, RowProblem::Invalid(_)),
            "a bad phone"
        );
        let names: Vec<&str> = report
            .imported
            .iter()
            .map(|i| i.beneficiary.name.as_str())
            .collect();
        assert_eq!(names, vec!["王奶奶", "刘婆婆"]);
        let wang = &report.imported[0].beneficiary;
        assert!(wang.flags.lives_alone);
        assert_eq!(
            wang.needs,
            vec![TaskKind::HomeVisit, TaskKind::MedicinePickup]
        );
        let private = wang.private.as_ref().expect("private part");
        assert_eq!(private.address, "第一组 3号, 东屋");
        // New ids follow the register's highest.
        let highest = demo.beneficiaries.len() as u32;
        assert_eq!(wang.id, BeneficiaryId::numbered(highest + 1));
        assert_eq!(
            report.imported[1].beneficiary.id,
            BeneficiaryId::numbered(highest + 2)
        );
    }

    #[test]
    fn a_file_without_the_needed_columns_or_with_an_open_quote_is_refused() {
        let demo = generate(&DemoParams::village());
        assert_eq!(
            import("名字,小组\n王,一组\n", &demo.village, &[]),
            Err(CsvError::MissingColumn("姓名"))
        );
        assert_eq!(
            import("姓名,村民小组\n\"王,一组\n", &demo.village, &[]),
            Err(CsvError::UnclosedQuote(2))
        );
        assert_eq!(import("", &demo.village, &[]), Err(CsvError::Empty));
        // English headers work too.
        let group = &demo.village.groups[1].id;
        let report = import(
            &format!("name,group\nWang,{}\n", group.as_str()),
            &demo.village,
            &[],
        )
        .expect("import");
        assert_eq!(report.imported[0].beneficiary.group, *group);
    }
}
