//! A deterministic demo village, so the app, the server and tests can run on realistic data
//! without anyone's real personal information.
//!
//! [`generate`] turns [`DemoParams`] into a [`DemoVillage`]. The same params always give
//! byte-identical JSON on every platform: randomness comes from [`SplitMix64`] only, and the
//! generator uses no hash maps, clocks or platform maths (no `sin`/`cos`).

mod names;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use serde::{Deserialize, Serialize};

use crate::model::{
    validate_dataset, AvailabilityException, Beneficiary, BeneficiaryFlags, BeneficiaryId,
    BeneficiaryPreferences, BeneficiaryPrivate, Certification, FamilyContact, Gender, Language,
    LanguagePreference, PreferenceStrength, Priority, Recurrence, RecurrenceEnd, Skill, Task,
    TaskId, TaskKind, TimeRange, ValidationError, Village, VillageGroup, VillageGroupId, VillageId,
    Volunteer, VolunteerId, WeeklyAvailability,
};
use crate::rng::SplitMix64;
use names::*;

/// What to generate. Plain fields so callers can tweak one knob:
/// `DemoParams { volunteers: 20, ..DemoParams::village() }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoParams {
    pub seed: u64,
    pub volunteers: usize,
    pub beneficiaries: usize,
    /// Number of days of tasks, starting at `start`.
    pub days: u32,
    /// First day of tasks (local date).
    pub start: NaiveDate,
    /// Number of village groups (at least 1 is always generated).
    pub groups: usize,
    /// `None`: a realistic programme derived from the beneficiaries' needs (weekly visits,
    /// classes, window shifts…). `Some(n)`: exactly `n` tasks on each day, drawn from a typical
    /// mix — for load tests.
    #[serde(default)]
    pub tasks_per_day: Option<usize>,
}

impl DemoParams {
    /// One village for a month: seed 2026, 300 volunteers, 150 beneficiaries, 8 groups,
    /// 30 days from 2026-12-01, realistic programme.
    pub fn village() -> Self {
        Self {
            seed: 2026,
            volunteers: 300,
            beneficiaries: 150,
            days: 30,
            start: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default(),
            groups: 8,
            tasks_per_day: None,
        }
    }

    /// A large district for a week: 2,000 volunteers, 600 beneficiaries, 20 groups and
    /// 86 tasks a day (602 a week).
    pub fn district_week() -> Self {
        Self {
            volunteers: 2_000,
            beneficiaries: 600,
            days: 7,
            groups: 20,
            tasks_per_day: Some(86),
            ..Self::village()
        }
    }
}

impl Default for DemoParams {
    fn default() -> Self {
        Self::village()
    }
}

/// Everything the demo needs in one serialisable bundle (the server seeds its database from it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoVillage {
    pub village: Village,
    pub volunteers: Vec<Volunteer>,
    pub beneficiaries: Vec<Beneficiary>,
    pub tasks: Vec<Task>,
}

impl DemoVillage {
    /// Validates every record and every reference (see [`validate_dataset`]).
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_dataset(
            &self.village,
            &self.volunteers,
            &self.beneficiaries,
            &self.tasks,
        )
    }
}

/// Builds the demo village. Deterministic in `params`; tasks are sorted by start time.
pub fn generate(params: &DemoParams) -> DemoVillage {
    let root = SplitMix64::new(params.seed);
    let village = gen_village(&mut root.derive(1), params.groups.max(1));
    let short_names: Vec<String> = (1..=village.groups.len())
        .map(|i| format!("第{}组", chinese_number(i)))
        .collect();
    let dates: Vec<NaiveDate> = params
        .start
        .iter_days()
        .take(params.days as usize)
        .collect();

    let mut rng = root.derive(2);
    let volunteers = (0..params.volunteers)
        .map(|i| gen_volunteer(&mut rng, i, &village, &dates))
        .collect();

    let mut rng = root.derive(3);
    let beneficiaries: Vec<Beneficiary> = (0..params.beneficiaries)
        .map(|i| gen_beneficiary(&mut rng, i, &village, &short_names))
        .collect();

    let mut tasks = TaskGen {
        rng: root.derive(4),
        village: &village,
        short_names: &short_names,
        dates: &dates,
        next_id: 1,
        tasks: Vec::new(),
    };
    match params.tasks_per_day {
        None => tasks.programme(&beneficiaries),
        Some(n) => tasks.random_mix(n, &beneficiaries),
    }
    let mut tasks = tasks.tasks;
    tasks.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));

    DemoVillage {
        village,
        volunteers,
        beneficiaries,
        tasks,
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

fn id_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

fn round5(x: f64) -> f64 {
    (x * 100_000.0).round() / 100_000.0
}

fn at(date: NaiveDate, (h, m): (u32, u32)) -> NaiveDateTime {
    NaiveDateTime::new(
        date,
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN),
    )
}

/// A time range from constants known to be valid (the tests validate every generated entity).
fn tr(start_h: u16, start_m: u16, end_h: u16, end_m: u16) -> TimeRange {
    TimeRange {
        start_min: start_h * 60 + start_m,
        end_min: end_h * 60 + end_m,
    }
}

fn pick_str(rng: &mut SplitMix64, items: &[&'static str]) -> &'static str {
    rng.pick(items).copied().unwrap_or("")
}

fn mobile(rng: &mut SplitMix64) -> String {
    format!(
        "{}{:08}",
        pick_str(rng, MOBILE_PREFIXES),
        rng.below(100_000_000)
    )
}

fn landline(rng: &mut SplitMix64) -> String {
    format!("0571-8{:07}", rng.below(10_000_000))
}

fn gender(rng: &mut SplitMix64, p_female: f64) -> Gender {
    if rng.chance(p_female) {
        Gender::Female
    } else {
        Gender::Male
    }
}

fn full_name(rng: &mut SplitMix64, given: &[&'static str]) -> String {
    format!("{}{}", pick_str(rng, SURNAMES), pick_str(rng, given))
}

fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    date.checked_add_signed(TimeDelta::days(days))
}

const WORKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

fn is_workday(date: NaiveDate) -> bool {
    WORKDAYS.contains(&date.weekday())
}

// ---------------------------------------------------------------------------------------------
// Village

/// Groups on a jittered grid about 1.3 km apart around 30.27 N, 120.15 E.
fn gen_village(rng: &mut SplitMix64, groups: usize) -> Village {
    let mut cols = 1;
    while cols * cols < groups {
        cols += 1;
    }
    let groups = (0..groups)
        .map(|i| {
            let (row, col) = ((i / cols) as f64, (i % cols) as f64);
            let centre = (cols as f64 - 1.0) / 2.0;
            let lat = 30.27 + (row - centre) * 0.012 + (rng.unit() - 0.5) * 0.004;
            let lon = 120.15 + (col - centre) * 0.014 + (rng.unit() - 0.5) * 0.004;
            VillageGroup {
                id: VillageGroupId::numbered(id_number(i)),
                name: format!("第{}村民小组", chinese_number(i + 1)),
                lat: round5(lat),
                lon: round5(lon),
            }
        })
        .collect();
    Village {
        id: VillageId::numbered(1),
        name: "青溪村".to_owned(),
        time_zone: "Asia/Shanghai".to_owned(),
        utc_offset_minutes: 480,
        groups,
        credit_rate_per_hour: Village::DEFAULT_CREDIT_RATE,
    }
}

// ---------------------------------------------------------------------------------------------
// Volunteers

#[derive(Clone, Copy, PartialEq, Eq)]
enum Archetype {
    /// Retired villagers: weekday mornings, often afternoons too.
    Retiree,
    /// People with jobs: evenings and weekends.
    Worker,
    /// Secondary-school and university students home at weekends.
    Student,
    /// Village cadres and grid workers: office hours.
    Cadre,
}

/// Probability of each skill per archetype: [retiree, worker, student, cadre].
const SKILL_ODDS: &[(Skill, [f64; 4])] = &[
    (Skill::FirstAid, [0.25, 0.32, 0.30, 0.45]),
    (Skill::Nursing, [0.08, 0.05, 0.03, 0.04]),
    (Skill::Teaching, [0.18, 0.06, 0.15, 0.10]),
    (Skill::DrivingLicence, [0.20, 0.55, 0.10, 0.60]),
    (Skill::Haircut, [0.07, 0.04, 0.01, 0.02]),
    (Skill::Electrician, [0.06, 0.05, 0.0, 0.03]),
    (Skill::Plumbing, [0.05, 0.04, 0.0, 0.02]),
    (Skill::SmartphoneTutoring, [0.05, 0.25, 0.60, 0.35]),
    (Skill::Cooking, [0.45, 0.20, 0.05, 0.15]),
    (Skill::Accounting, [0.04, 0.06, 0.02, 0.15]),
    (Skill::LegalAid, [0.01, 0.03, 0.02, 0.10]),
    (Skill::SignLanguage, [0.01, 0.02, 0.03, 0.02]),
    (Skill::Counselling, [0.03, 0.04, 0.03, 0.08]),
];

/// For skills with certificates: the range of days from the demo start to expiry. A negative
/// start means some certificates have already lapsed when the demo begins.
fn expiry_window(skill: Skill) -> Option<(i64, i64)> {
    match skill {
        Skill::FirstAid => Some((-120, 3 * 365)),
        Skill::Nursing => Some((-60, 5 * 365)),
        Skill::Electrician => Some((30, 6 * 365)),
        Skill::DrivingLicence => Some((60, 10 * 365)),
        _ => None,
    }
}

fn gen_availability(rng: &mut SplitMix64, kind: Archetype) -> WeeklyAvailability {
    let mut days: [Vec<TimeRange>; 7] = Default::default();
    match kind {
        Archetype::Retiree => {
            for day in days.iter_mut().take(5) {
                if rng.chance(0.8) {
                    let start = *rng.pick(&[(7, 30), (8, 0), (8, 30)]).unwrap_or(&(8, 0));
                    let end = *rng.pick(&[(11, 0), (11, 30)]).unwrap_or(&(11, 30));
                    day.push(tr(start.0, start.1, end.0, end.1));
                }
                if rng.chance(0.5) {
                    day.push(tr(14, 0, *rng.pick(&[17, 18]).unwrap_or(&17), 0));
                }
            }
            for day in days.iter_mut().skip(5) {
                if rng.chance(0.2) {
                    day.push(tr(8, 30, 11, 30));
                }
            }
        }
        Archetype::Worker => {
            for day in days.iter_mut().take(5) {
                if rng.chance(0.55) {
                    day.push(
                        *rng.pick(&[tr(18, 30, 21, 0), tr(19, 0, 21, 30)])
                            .unwrap_or(&tr(19, 0, 21, 0)),
                    );
                }
            }
            for (day, p) in days.iter_mut().skip(5).zip([0.65, 0.5]) {
                if rng.chance(p) {
                    day.push(tr(9, 0, 12, 0));
                    if rng.chance(0.5) {
                        day.push(tr(14, 0, 17, 30));
                    }
                }
            }
        }
        Archetype::Student => {
            for day in days.iter_mut().skip(5) {
                if rng.chance(0.85) {
                    day.push(tr(8, 30, 12, 0));
                    if rng.chance(0.7) {
                        day.push(tr(14, 0, 17, 30));
                    }
                }
            }
            for i in [2, 4] {
                if rng.chance(0.3) {
                    days[i].push(tr(19, 0, 21, 0));
                }
            }
        }
        Archetype::Cadre => {
            for day in days.iter_mut().take(5) {
                if rng.chance(0.75) {
                    day.push(tr(8, 30, 11, 30));
                    day.push(tr(13, 30, 17, 0));
                }
            }
        }
    }
    if days.iter().all(Vec::is_empty) {
        days[5].push(tr(9, 0, 12, 0));
    }
    WeeklyAvailability { days }
}

fn gen_volunteer(
    rng: &mut SplitMix64,
    index: usize,
    village: &Village,
    dates: &[NaiveDate],
) -> Volunteer {
    const ARCHETYPES: [Archetype; 4] = [
        Archetype::Retiree,
        Archetype::Worker,
        Archetype::Student,
        Archetype::Cadre,
    ];
    let slot = rng.weighted(&[40, 35, 15, 10]);
    let kind = ARCHETYPES[slot];

    let gender = if rng.chance(0.02) {
        None
    } else {
        Some(gender(rng, 0.56))
    };
    let neutral = if rng.chance(0.5) {
        ADULT_FEMALE
    } else {
        ADULT_MALE
    };
    let pool = match (kind, gender) {
        (Archetype::Retiree, Some(Gender::Female)) => ELDER_FEMALE,
        (Archetype::Retiree, Some(Gender::Male)) => ELDER_MALE,
        (_, Some(Gender::Female)) => ADULT_FEMALE,
        (_, Some(Gender::Male)) => ADULT_MALE,
        (_, None) => neutral,
    };
    let name = full_name(rng, pool);
    let phone = mobile(rng);
    let group = rng
        .pick(&village.groups)
        .map(|g| g.id.clone())
        .unwrap_or_else(|| VillageGroupId::numbered(1));

    let start = dates.first().copied().unwrap_or_default();
    let mut certifications = Vec::new();
    for &(skill, odds) in SKILL_ODDS {
        if rng.chance(odds[slot]) {
            let expires_on = expiry_window(skill).and_then(|(lo, hi)| {
                let span = u64::try_from(hi - lo).unwrap_or(0) + 1;
                add_days(start, lo + rng.below(span) as i64)
            });
            certifications.push(Certification {
                skill,
                expires_on,
                verified: true,
            });
        }
    }

    let mut languages = Vec::new();
    let p_mandarin = if kind == Archetype::Retiree {
        0.9
    } else {
        0.99
    };
    if rng.chance(p_mandarin) {
        languages.push(Language::mandarin());
    }
    if rng.chance([0.92, 0.6, 0.3, 0.85][slot]) {
        languages.push(Language::local_dialect());
    }
    if rng.chance(0.08) {
        languages.push(Language::new(pick_str(rng, OTHER_DIALECTS)));
    }
    if rng.chance([0.0, 0.08, 0.45, 0.1][slot]) {
        languages.push(Language::new("英语"));
    }
    if languages.is_empty() {
        languages.push(Language::mandarin());
    }

    let availability = gen_availability(rng, kind);
    let mut exceptions = Vec::new();
    if !dates.is_empty() {
        if rng.chance(0.15) {
            let from = dates[rng.index(dates.len())];
            let to = add_days(from, i64::from(rng.range(0, 6))).unwrap_or(from);
            exceptions.push(AvailabilityException {
                date_from: from,
                date_to: to,
                kind: crate::model::ExceptionKind::Away,
            });
        }
        if rng.chance(0.10) {
            let day = dates[rng.index(dates.len())];
            let range = *rng
                .pick(&[tr(9, 0, 12, 0), tr(14, 0, 17, 0)])
                .unwrap_or(&tr(9, 0, 12, 0));
            exceptions.push(AvailabilityException {
                date_from: day,
                date_to: day,
                kind: crate::model::ExceptionKind::Extra {
                    ranges: vec![range],
                },
            });
        }
    }

    let (lo, hi) = [(6, 20), (4, 10), (4, 12), (4, 8)][slot];
    let max_hours_per_week = rng.range(lo, hi);

    let mut liked: Vec<TaskKind> = match kind {
        Archetype::Retiree => vec![
            TaskKind::HomeVisit,
            TaskKind::FestivalVisit,
            TaskKind::MealDelivery,
            TaskKind::LiteracyClass,
            TaskKind::HouseworkHelp,
            TaskKind::WindowDuty,
        ],
        Archetype::Worker => vec![
            TaskKind::HospitalEscort,
            TaskKind::Errand,
            TaskKind::AntiFraudTalk,
            TaskKind::MedicinePickup,
            TaskKind::PolicySession,
        ],
        Archetype::Student => vec![
            TaskKind::SmartphoneClass,
            TaskKind::HomeworkHelp,
            TaskKind::AntiFraudTalk,
            TaskKind::HealthTalk,
        ],
        Archetype::Cadre => vec![
            TaskKind::WindowDuty,
            TaskKind::PolicySession,
            TaskKind::Errand,
            TaskKind::FirstAidTraining,
            TaskKind::ColdSpellCheck,
        ],
    };
    rng.shuffle(&mut liked);
    liked.truncate(rng.range(0, 3) as usize);

    Volunteer {
        id: VolunteerId::numbered(id_number(index)),
        name,
        phone,
        group,
        gender,
        certifications,
        languages,
        availability,
        exceptions,
        max_hours_per_week,
        preferred_task_kinds: liked,
    }
}

// ---------------------------------------------------------------------------------------------
// Beneficiaries

fn gen_beneficiary(
    rng: &mut SplitMix64,
    index: usize,
    village: &Village,
    short_names: &[String],
) -> Beneficiary {
    let group_index = rng.index(village.groups.len());
    let group = village
        .groups
        .get(group_index)
        .map(|g| g.id.clone())
        .unwrap_or_else(|| VillageGroupId::numbered(1));
    let short = short_names.get(group_index).map_or("", String::as_str);
    let address = format!("{} {}号", short, rng.range(1, 80));

    let mut flags = BeneficiaryFlags::default();
    let mut needs = Vec::new();
    let mut preferences = BeneficiaryPreferences::default();

    let (name, gender, birth_year, private) = match rng.weighted(&[85, 12, 3]) {
        // An elder.
        0 => {
            let g = gender(rng, 0.58);
            let name = full_name(
                rng,
                if g == Gender::Female {
                    ELDER_FEMALE
                } else {
                    ELDER_MALE
                },
            );
            let year = rng.range(1932, 1961) as u16;
            flags.elderly = true;
            flags.lives_alone = rng.chance(0.45);
            flags.empty_nest = !flags.lives_alone && rng.chance(0.5);
            flags.disabled = rng.chance(0.12);
            flags.low_income = rng.chance(0.25);
            // Weekly visits for everyone living alone, most empty-nesters and a few others.
            if flags.lives_alone || (flags.empty_nest && rng.chance(0.7)) || rng.chance(0.1) {
                add(&mut needs, TaskKind::HomeVisit);
            }
            if (flags.lives_alone || flags.disabled) && rng.chance(0.35) {
                add(&mut needs, TaskKind::MealDelivery);
            }
            let disabled_bonus = if flags.disabled { 0.2 } else { 0.0 };
            for (kind, p) in [
                (TaskKind::MedicinePickup, 0.4),
                (TaskKind::HospitalEscort, 0.15 + disabled_bonus),
                (TaskKind::Errand, 0.35),
                (TaskKind::HouseworkHelp, 0.2 + disabled_bonus),
                (TaskKind::SmartphoneClass, 0.15),
                (TaskKind::LiteracyClass, 0.05),
            ] {
                if rng.chance(p) {
                    add(&mut needs, kind);
                }
            }
            if needs.is_empty() {
                add(&mut needs, TaskKind::HomeVisit);
            }
            preferences.same_gender_for_personal_care = rng.chance(0.3);
            if rng.chance(0.4) {
                preferences.preferred_language = Some(LanguagePreference {
                    language: Language::local_dialect(),
                    strength: if rng.chance(0.5) {
                        PreferenceStrength::Hard
                    } else {
                        PreferenceStrength::Soft
                    },
                });
            }
            let phone = if rng.chance(0.6) {
                Some(if rng.chance(0.4) {
                    landline(rng)
                } else {
                    mobile(rng)
                })
            } else {
                None
            };
            let family_contact = if rng.chance(0.85) {
                let relation = pick_str(rng, ELDER_RELATIONS);
                let given = match relation {
                    "儿子" | "侄子" => ADULT_MALE,
                    _ => ADULT_FEMALE,
                };
                Some(FamilyContact {
                    name: full_name(rng, given),
                    relation: relation.to_owned(),
                    phone: mobile(rng),
                })
            } else {
                None
            };
            let mut notes = pick_str(rng, HEALTH_NOTES).to_owned();
            if flags.disabled {
                notes.push_str("；持残疾证");
            }
            let private = BeneficiaryPrivate {
                address,
                phone,
                family_contact,
                health_notes: notes,
            };
            (name, g, year, private)
        }
        // A left-behind child.
        1 => {
            let g = gender(rng, 0.5);
            let name = full_name(rng, CHILD);
            let year = rng.range(2012, 2020) as u16;
            flags.left_behind_child = true;
            flags.low_income = rng.chance(0.3);
            add(&mut needs, TaskKind::HomeworkHelp);
            let relation = pick_str(rng, CHILD_RELATIONS);
            let contact = FamilyContact {
                name: full_name(
                    rng,
                    if matches!(relation, "母亲" | "祖母") {
                        ADULT_FEMALE
                    } else {
                        ADULT_MALE
                    },
                ),
                relation: relation.to_owned(),
                phone: mobile(rng),
            };
            let notes = if rng.chance(0.1) { "花生过敏" } else { "" };
            let private = BeneficiaryPrivate {
                address,
                phone: None,
                family_contact: Some(contact),
                health_notes: notes.to_owned(),
            };
            (name, g, year, private)
        }
        // An adult with a disability.
        _ => {
            let g = gender(rng, 0.5);
            let name = full_name(
                rng,
                if g == Gender::Female {
                    ADULT_FEMALE
                } else {
                    ADULT_MALE
                },
            );
            let year = rng.range(1966, 1996) as u16;
            flags.disabled = true;
            flags.low_income = rng.chance(0.6);
            flags.lives_alone = rng.chance(0.3);
            add(&mut needs, TaskKind::HouseworkHelp);
            add(&mut needs, TaskKind::Errand);
            if rng.chance(0.3) {
                add(&mut needs, TaskKind::HospitalEscort);
            }
            preferences.same_gender_for_personal_care = rng.chance(0.5);
            let notes = pick_str(
                rng,
                &["肢体残疾，出行需轮椅", "视力残疾", "听力残疾，可用手语交流"],
            );
            let private = BeneficiaryPrivate {
                address,
                phone: Some(mobile(rng)),
                family_contact: None,
                health_notes: notes.to_owned(),
            };
            (name, g, year, private)
        }
    };

    Beneficiary {
        id: BeneficiaryId::numbered(id_number(index)),
        name,
        group,
        gender: Some(gender),
        birth_year: Some(birth_year),
        flags,
        needs,
        preferences,
        private: Some(private),
    }
}

fn add(needs: &mut Vec<TaskKind>, kind: TaskKind) {
    if !needs.contains(&kind) {
        needs.push(kind);
    }
}

/// How people in the village would address the beneficiary in a task title (王奶奶, 李同学).
fn honorific(b: &Beneficiary) -> String {
    let surname: String = b.name.chars().take(1).collect();
    let suffix = if b.flags.left_behind_child {
        "同学"
    } else {
        match (b.flags.elderly, b.gender) {
            (true, Some(Gender::Female)) => "奶奶",
            (true, Some(Gender::Male)) => "爷爷",
            (true, None) => "老人",
            (false, Some(Gender::Female)) => "阿姨",
            (false, _) => "师傅",
        }
    };
    format!("{surname}{suffix}")
}

// ---------------------------------------------------------------------------------------------
// Tasks

/// Typical shape of each task kind: start times, length, capacity, requirements, place.
struct Shape {
    starts: &'static [(u32, u32)],
    minutes: i64,
    min: (u32, u32),
    max: (u32, u32),
    skills: &'static [Skill],
    /// `None`: the group's 文化礼堂 / 农家书屋 (see [`TaskGen::draft`]).
    place: Option<&'static str>,
    description: &'static str,
}

fn shape(kind: TaskKind) -> Shape {
    use TaskKind::*;
    const HOME: Option<&str> = Some("受助人家中");
    let s = |starts, minutes, min, max, skills, place, description| Shape {
        starts,
        minutes,
        min,
        max,
        skills,
        place,
        description,
    };
    match kind {
        HomeVisit => s(
            &[(9, 0), (9, 30), (10, 0), (14, 30), (15, 0)],
            60,
            (1, 1),
            (1, 2),
            &[],
            HOME,
            "陪老人聊聊天，看看身体和生活情况，有异常及时告诉网格员。",
        ),
        HeatWaveCheck => s(
            &[(8, 0), (16, 30)],
            45,
            (1, 1),
            (1, 2),
            &[],
            HOME,
            "高温天气上门查看：空调、风扇是否正常，提醒老人多喝水、少出门。",
        ),
        ColdSpellCheck => s(
            &[(8, 30), (16, 0)],
            45,
            (1, 1),
            (1, 2),
            &[],
            HOME,
            "寒潮来袭，上门查看取暖设备和用电安全，提醒老人添衣保暖。",
        ),
        FestivalVisit => s(
            &[(9, 30), (14, 30)],
            90,
            (1, 1),
            (2, 2),
            &[],
            HOME,
            "节日上门慰问，送上慰问品，陪老人说说话。",
        ),
        MealDelivery => s(
            &[(11, 0), (11, 15)],
            45,
            (1, 1),
            (1, 1),
            &[],
            HOME,
            "从居家养老服务照料中心取餐，送到老人家中。",
        ),
        MedicinePickup => s(
            &[(8, 30), (9, 0)],
            120,
            (1, 1),
            (1, 1),
            &[],
            Some("镇卫生院"),
            "凭医保卡到镇卫生院代取常用药，送到老人家中。",
        ),
        HospitalEscort => s(
            &[(7, 30), (8, 0)],
            240,
            (1, 1),
            (1, 2),
            &[Skill::DrivingLicence],
            Some("市第一人民医院"),
            "开车接送老人去医院复查，陪同挂号、缴费、取药。",
        ),
        HouseworkHelp => s(
            &[(9, 0), (14, 0)],
            120,
            (1, 1),
            (1, 2),
            &[],
            HOME,
            "帮忙打扫卫生、整理房间、晾晒被褥。",
        ),
        Errand => s(
            &[(9, 0), (14, 0)],
            90,
            (1, 1),
            (1, 1),
            &[],
            Some("村便民服务中心"),
            "代办养老金资格认证、医保报销等事项。",
        ),
        WindowDuty => s(
            &[(8, 30), (13, 30)],
            180,
            (1, 1),
            (1, 2),
            &[],
            Some("村便民服务中心"),
            "在便民服务中心窗口值班，接待来访村民，协助办理事项。",
        ),
        SmartphoneClass => s(
            &[(9, 30), (14, 30), (19, 0)],
            90,
            (1, 2),
            (3, 5),
            &[Skill::SmartphoneTutoring],
            None,
            "教老人用智能手机：微信视频、看病挂号、移动支付、防诈骗设置。",
        ),
        AntiFraudTalk => s(
            &[(14, 30), (19, 0)],
            90,
            (1, 2),
            (2, 4),
            &[],
            None,
            "讲解常见电信诈骗手法，提醒村民守好钱袋子。",
        ),
        HealthTalk => s(
            &[(9, 30), (14, 30)],
            90,
            (1, 1),
            (2, 3),
            &[Skill::Nursing],
            None,
            "讲解高血压、糖尿病等慢性病的日常管理。",
        ),
        HomeworkHelp => s(
            &[(16, 30)],
            90,
            (1, 2),
            (2, 4),
            &[],
            None,
            "陪留守儿童完成作业，辅导语文、数学。",
        ),
        LiteracyClass => s(
            &[(14, 0), (19, 0)],
            90,
            (1, 1),
            (2, 3),
            &[Skill::Teaching],
            None,
            "老年识字班：认常用字，学写自己的名字和家人电话。",
        ),
        PolicySession => s(
            &[(19, 0), (14, 30)],
            90,
            (1, 1),
            (2, 3),
            &[],
            None,
            "解读医保、养老、惠农补贴等最新政策。",
        ),
        FirstAidTraining => s(
            &[(9, 0), (14, 0)],
            150,
            (2, 2),
            (3, 6),
            &[Skill::FirstAid],
            None,
            "学习心肺复苏、海姆立克急救法和AED使用。",
        ),
    }
}

/// Who or where a task is for.
#[derive(Clone, Copy)]
enum Who<'b> {
    Person(&'b Beneficiary),
    Group(usize),
    Village,
}

struct TaskGen<'a> {
    rng: SplitMix64,
    village: &'a Village,
    short_names: &'a [String],
    dates: &'a [NaiveDate],
    next_id: u32,
    tasks: Vec<Task>,
}

impl TaskGen<'_> {
    fn next_task_id(&mut self) -> TaskId {
        let id = TaskId::numbered(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    fn random_group(&mut self) -> usize {
        self.rng.index(self.village.groups.len())
    }

    /// A task of `kind` on `date` with its shape's defaults; `start` overrides the start time.
    fn draft(
        &mut self,
        kind: TaskKind,
        date: NaiveDate,
        who: Who<'_>,
        start: Option<(u32, u32)>,
    ) -> Option<Task> {
        let shape = shape(kind);
        let start_hm = match start {
            Some(hm) => hm,
            None => *self.rng.pick(shape.starts)?,
        };
        let start = at(date, start_hm);
        let end = start.checked_add_signed(TimeDelta::minutes(shape.minutes))?;
        let min = self.rng.range(shape.min.0, shape.min.1);
        let max = self.rng.range(shape.max.0, shape.max.1).max(min);
        let id = self.next_task_id();

        let (title, group, place) = match who {
            Who::Person(b) => (
                format!("{} · {}", kind.label_zh(), honorific(b)),
                Some(b.group.clone()),
                shape.place.unwrap_or("受助人家中").to_owned(),
            ),
            Who::Group(g) => {
                let short = self.short_names.get(g).map_or("", String::as_str);
                let venue = if kind == TaskKind::HomeworkHelp {
                    "农家书屋"
                } else {
                    "文化礼堂"
                };
                (
                    format!("{} · {}", kind.label_zh(), short),
                    self.village.groups.get(g).map(|g| g.id.clone()),
                    shape
                        .place
                        .map_or_else(|| format!("{short}{venue}"), str::to_owned),
                )
            }
            Who::Village => (
                format!("{} · 村级", kind.label_zh()),
                None,
                shape.place.unwrap_or("村文化礼堂").to_owned(),
            ),
        };

        let mut languages = Vec::new();
        if let Who::Person(b) = who {
            if let Some(pref) = &b.preferences.preferred_language {
                languages.push(pref.language.clone());
            }
        } else if matches!(
            kind,
            TaskKind::AntiFraudTalk | TaskKind::PolicySession | TaskKind::HealthTalk
        ) && self.rng.chance(0.5)
        {
            languages.push(Language::local_dialect());
        }

        let priority = match (kind, who) {
            (TaskKind::ColdSpellCheck | TaskKind::HeatWaveCheck, Who::Person(b))
                if b.flags.disabled || b.birth_year.is_some_and(|y| y <= 1940) =>
            {
                Priority::Urgent
            }
            (TaskKind::HospitalEscort, _) if self.rng.chance(0.15) => Priority::Urgent,
            _ => Priority::Normal,
        };

        let mut builder = Task::builder(id, kind, title, start, end)
            .description(shape.description)
            .place(place)
            .required_skills(shape.skills.to_vec())
            .preferred_languages(languages)
            .capacity(min, max)
            .priority(priority);
        if let Some(group) = group {
            builder = builder.group(group);
        }
        if let Who::Person(b) = who {
            builder = builder.beneficiary(b.id.clone());
        }
        builder.build().ok()
    }

    fn single(&mut self, kind: TaskKind, date: NaiveDate, who: Who<'_>, start: Option<(u32, u32)>) {
        if let Some(task) = self.draft(kind, date, who, start) {
            self.tasks.push(task);
        }
    }

    /// A weekly series over the whole period, expanded with [`Recurrence::expand`].
    fn weekly(
        &mut self,
        kind: TaskKind,
        weekdays: Vec<Weekday>,
        who: Who<'_>,
        start: Option<(u32, u32)>,
    ) {
        let (Some(&first), Some(&last)) = (self.dates.first(), self.dates.last()) else {
            return;
        };
        let Some(template) = self.draft(kind, first, who, start) else {
            return;
        };
        if let Ok(rule) = Recurrence::weekly(weekdays, first, RecurrenceEnd::Until(last)) {
            self.tasks.extend(rule.expand(&template, first, last));
        }
    }

    /// A random date from `dates`, preferring Monday–Friday.
    fn workday_in(&mut self, dates: &[NaiveDate]) -> Option<NaiveDate> {
        let workdays: Vec<NaiveDate> = dates.iter().copied().filter(|&d| is_workday(d)).collect();
        let pool = if workdays.is_empty() {
            dates
        } else {
            &workdays
        };
        self.rng.pick(pool).copied()
    }

    /// Every `every` days from a random offset, on the nearest following workday.
    fn every_n_days(&mut self, kind: TaskKind, every: usize, who: Who<'_>) {
        let dates = self.dates;
        let mut i = self.rng.index(every.min(dates.len()));
        while i < dates.len() {
            let date = dates[i..]
                .iter()
                .copied()
                .find(|&d| is_workday(d))
                .unwrap_or(dates[i]);
            self.single(kind, date, who, None);
            i += every;
        }
    }

    /// One task per block of `block` days, on a random (work)day of each block.
    fn per_block(
        &mut self,
        kind: TaskKind,
        block: usize,
        workday: bool,
        mut who: impl FnMut(&mut Self) -> Who<'static>,
    ) {
        let dates = self.dates;
        for chunk in dates.chunks(block.max(1)) {
            let date = if workday {
                self.workday_in(chunk)
            } else {
                self.rng.pick(chunk).copied()
            };
            if let Some(date) = date {
                let w = who(self);
                self.single(kind, date, w, None);
            }
        }
    }

    /// The realistic programme: what a village actually runs for its elders and residents.
    fn programme(&mut self, beneficiaries: &[Beneficiary]) {
        let dates = self.dates;
        if dates.is_empty() {
            return;
        }
        const VISIT_DAYS: [Weekday; 6] = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ];

        // Elder care, driven by each person's needs.
        for b in beneficiaries {
            let who = Who::Person(b);
            if b.needs.contains(&TaskKind::HomeVisit) {
                let day = *self.rng.pick(&VISIT_DAYS).unwrap_or(&Weekday::Mon);
                self.weekly(TaskKind::HomeVisit, vec![day], who, None);
            }
            if b.needs.contains(&TaskKind::MealDelivery) {
                let days = vec![Weekday::Mon, Weekday::Wed, Weekday::Fri];
                self.weekly(TaskKind::MealDelivery, days, who, None);
            }
            if b.needs.contains(&TaskKind::MedicinePickup) {
                self.every_n_days(TaskKind::MedicinePickup, 14, who);
            }
            if b.needs.contains(&TaskKind::HouseworkHelp) {
                self.every_n_days(TaskKind::HouseworkHelp, 14, who);
            }
            if b.needs.contains(&TaskKind::HospitalEscort) && self.rng.chance(0.7) {
                if let Some(date) = self.workday_in(dates) {
                    self.single(TaskKind::HospitalEscort, date, who, None);
                }
            }
            if b.needs.contains(&TaskKind::Errand) {
                for chunk in dates.chunks(30) {
                    if self.rng.chance(0.8) {
                        if let Some(date) = self.workday_in(chunk) {
                            self.single(TaskKind::Errand, date, who, None);
                        }
                    }
                }
            }
        }

        // Weather: one cold spell in winter, one heat wave in summer, checked on days 1 and 3.
        let at_risk: Vec<&Beneficiary> = beneficiaries
            .iter()
            .filter(|b| b.flags.elderly && (b.flags.lives_alone || b.flags.disabled))
            .collect();
        for (kind, months) in [
            (TaskKind::ColdSpellCheck, [12, 1, 2]),
            (TaskKind::HeatWaveCheck, [6, 7, 8]),
        ] {
            let season: Vec<usize> = (0..dates.len())
                .filter(|&i| months.contains(&dates[i].month()))
                .collect();
            if let Some(&first_day) = self.rng.pick(&season) {
                for offset in [0, 2] {
                    if let Some(&date) = dates.get(first_day + offset) {
                        for b in &at_risk {
                            self.single(kind, date, Who::Person(b), None);
                        }
                    }
                }
            }
        }

        // Festivals: visit elders who live alone or whose children are away.
        for &((y, m, d), festival) in FESTIVALS {
            let Some(date) = NaiveDate::from_ymd_opt(y, m, d) else {
                continue;
            };
            if !dates.contains(&date) {
                continue;
            }
            for b in beneficiaries
                .iter()
                .filter(|b| b.flags.elderly && (b.flags.lives_alone || b.flags.empty_nest))
            {
                if let Some(mut task) =
                    self.draft(TaskKind::FestivalVisit, date, Who::Person(b), None)
                {
                    task.title = format!("{festival}慰问 · {}", honorific(b));
                    self.tasks.push(task);
                }
            }
        }

        // The service centre window: two shifts every workday.
        for shift in [(8, 30), (13, 30)] {
            self.weekly(
                TaskKind::WindowDuty,
                WORKDAYS.to_vec(),
                Who::Village,
                Some(shift),
            );
        }

        // Community education.
        let groups = self.village.groups.len();
        for g in (0..groups).step_by(2) {
            let day = if g % 4 == 0 {
                Weekday::Tue
            } else {
                Weekday::Thu
            };
            self.weekly(TaskKind::SmartphoneClass, vec![day], Who::Group(g), None);
        }
        for g in 0..groups {
            let who = Who::Group(g);
            for chunk in dates.chunks(30) {
                if let Some(date) = self.rng.pick(chunk).copied() {
                    self.single(TaskKind::AntiFraudTalk, date, who, None);
                }
            }
        }
        self.per_block(TaskKind::HealthTalk, 15, true, |s| {
            Who::Group(s.random_group())
        });
        self.per_block(TaskKind::PolicySession, 30, false, |s| {
            Who::Group(s.random_group())
        });
        let saturdays: Vec<NaiveDate> = dates
            .iter()
            .copied()
            .filter(|d| d.weekday() == Weekday::Sat)
            .collect();
        for chunk in dates.chunks(30) {
            let sats: Vec<NaiveDate> = chunk
                .iter()
                .copied()
                .filter(|d| saturdays.contains(d))
                .collect();
            let pool = if sats.is_empty() { chunk } else { &sats };
            if let Some(date) = self.rng.pick(pool).copied() {
                self.single(TaskKind::FirstAidTraining, date, Who::Village, None);
            }
        }
        let literacy_group = self.random_group();
        self.weekly(
            TaskKind::LiteracyClass,
            vec![Weekday::Sat],
            Who::Group(literacy_group),
            Some((14, 0)),
        );

        // Homework help at the reading rooms of the groups with the most left-behind children.
        let mut children_per_group: Vec<(usize, usize)> = (0..groups)
            .map(|g| {
                let id = &self.village.groups[g].id;
                let n = beneficiaries
                    .iter()
                    .filter(|b| b.flags.left_behind_child && &b.group == id)
                    .count();
                (n, g)
            })
            .filter(|&(n, _)| n > 0)
            .collect();
        children_per_group.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, g) in children_per_group.iter().take((groups / 4).max(1)) {
            let after_school = vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu];
            self.weekly(
                TaskKind::HomeworkHelp,
                after_school,
                Who::Group(g),
                Some((16, 30)),
            );
            self.weekly(
                TaskKind::HomeworkHelp,
                vec![Weekday::Sat],
                Who::Group(g),
                Some((9, 0)),
            );
        }
    }

    /// Exactly `per_day` tasks on each day, drawn from a typical mix (for load tests).
    fn random_mix(&mut self, per_day: usize, beneficiaries: &[Beneficiary]) {
        const MIX: &[(TaskKind, u32)] = &[
            (TaskKind::HomeVisit, 30),
            (TaskKind::MealDelivery, 12),
            (TaskKind::MedicinePickup, 8),
            (TaskKind::HospitalEscort, 5),
            (TaskKind::HouseworkHelp, 6),
            (TaskKind::Errand, 6),
            (TaskKind::FestivalVisit, 1),
            (TaskKind::ColdSpellCheck, 1),
            (TaskKind::HeatWaveCheck, 1),
            (TaskKind::WindowDuty, 6),
            (TaskKind::SmartphoneClass, 6),
            (TaskKind::AntiFraudTalk, 4),
            (TaskKind::HealthTalk, 3),
            (TaskKind::HomeworkHelp, 6),
            (TaskKind::LiteracyClass, 2),
            (TaskKind::PolicySession, 2),
            (TaskKind::FirstAidTraining, 1),
        ];
        let weights: Vec<u32> = MIX.iter().map(|&(_, w)| w).collect();
        let adults: Vec<&Beneficiary> = beneficiaries
            .iter()
            .filter(|b| !b.flags.left_behind_child)
            .collect();
        let dates = self.dates;
        for &date in dates {
            let mut made = 0;
            // Each attempt yields a valid task by construction; the cap only guards against a
            // bug looping forever.
            let mut attempts = 0;
            while made < per_day && attempts < per_day.saturating_mul(4).max(4) {
                attempts += 1;
                let mut kind = MIX[self.rng.weighted(&weights)].0;
                let who = if kind.is_elder_care() {
                    match self.rng.pick(&adults) {
                        Some(b) => Who::Person(b),
                        None => {
                            kind = TaskKind::SmartphoneClass;
                            Who::Group(self.random_group())
                        }
                    }
                } else if kind == TaskKind::WindowDuty {
                    Who::Village
                } else {
                    Who::Group(self.random_group())
                };
                if let Some(task) = self.draft(kind, date, who, None) {
                    self.tasks.push(task);
                    made += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
