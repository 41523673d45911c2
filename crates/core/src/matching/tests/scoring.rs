//! One test per score term: the direction a coordinator expects, and the reason text.

use crate::matching::fixtures::*;
use crate::matching::weights::*;
use crate::matching::{score, Reason, Score, ScoreKind, ScoreTerm};
use crate::model::{Language, LanguagePreference, PreferenceStrength, TaskKind, Volunteer};

fn score_of(world: &World, v: &Volunteer, t: &crate::model::Task) -> Score {
    let s = score(&world.ctx(), v, t);
    assert_eq!(s.total, s.terms.iter().map(|t| t.points).sum::<i64>());
    assert!((MIN_TOTAL..=MAX_TOTAL).contains(&s.total), "{s:?}");
    s
}

fn term(s: &Score, kind: ScoreKind) -> Option<&ScoreTerm> {
    s.terms.iter().find(|t| t.kind == kind)
}

#[test]
fn closer_volunteers_score_higher_and_distance_is_always_shown() {
    let world = World::new();
    let t = visit(); // at the elder's home in g-0001
    let at_group = |n| {
        let mut v = volunteer(n);
        v.group = group(n);
        score_of(&world, &v, &t)
    };
    let (same, near, mid, far) = (at_group(1), at_group(2), at_group(3), at_group(4));
    assert!(same.total > near.total && near.total > mid.total && mid.total > far.total);

    let same_term = term(&same, ScoreKind::Distance).expect("distance");
    assert_eq!(same_term.reason, Reason::SameGroup);
    assert_eq!(same_term.points, DISTANCE_MAX_POINTS);
    assert_eq!(same_term.reason.en(), "lives in the same village group");

    let near_term = term(&near, ScoreKind::Distance).expect("distance");
    assert_eq!(near_term.reason, Reason::DistanceKm { tenths: 12 });
    assert_eq!(near_term.reason.en(), "1.2 km away");
    assert_eq!(near_term.reason.zh(), "距离 1.2 公里");
    assert_eq!(
        near_term.points,
        DISTANCE_MAX_POINTS - 12 * DISTANCE_POINTS_PER_100M
    );

    // Beyond the cap: no points, but the coordinator still sees how far it is.
    let far_term = term(&far, ScoreKind::Distance).expect("distance");
    assert_eq!(far_term.points, 0);
    assert_eq!(far_term.reason.en(), "11.1 km away");
    // What the distance filter of "For me" reads.
    assert_eq!(same.distance_tenths(), Some(0));
    assert_eq!(near.distance_tenths(), Some(12));
    assert_eq!(far.distance_tenths(), Some(111));
}

#[test]
fn a_task_group_overrides_the_beneficiary_home_and_unknown_groups_give_no_term() {
    let world = World::new();
    let mut class = visit();
    class.kind = TaskKind::SmartphoneClass;
    class.beneficiary = None;
    class.group = Some(group(3));
    let s = score_of(&world, &volunteer(1), &class);
    assert_eq!(
        term(&s, ScoreKind::Distance).map(|t| &t.reason),
        Some(&Reason::DistanceKm { tenths: 30 })
    );
    class.group = None; // village-wide, no place
    assert_eq!(
        term(
            &score_of(&world, &volunteer(1), &class),
            ScoreKind::Distance
        ),
        None
    );
}

#[test]
fn having_visited_the_elder_before_scores_higher() {
    let mut world = World::new();
    let t = visit();
    let newcomer = score_of(&world, &volunteer(1), &t);
    assert_eq!(term(&newcomer, ScoreKind::Continuity), None);

    world
        .history
        .entry(&volunteer(1).id)
        .visits
        .insert(elder().id, 3);
    let known = score_of(&world, &volunteer(1), &t);
    let c = term(&known, ScoreKind::Continuity).expect("continuity");
    assert_eq!(c.points, 3 * CONTINUITY_POINTS_PER_VISIT);
    assert_eq!(c.reason.en(), "visited this elder 3 times");
    assert_eq!(c.reason.zh(), "曾探访这位老人 3 次");
    assert!(known.total > newcomer.total);

    // Capped, so one person does not keep every visit forever.
    world
        .history
        .entry(&volunteer(1).id)
        .visits
        .insert(elder().id, 40);
    let veteran = score_of(&world, &volunteer(1), &t);
    assert_eq!(
        term(&veteran, ScoreKind::Continuity).map(|t| t.points),
        Some(CONTINUITY_POINTS_PER_VISIT * i64::from(CONTINUITY_MAX_VISITS))
    );
}

#[test]
fn volunteers_below_the_monthly_average_score_up_those_above_down() {
    let mut world = World::new();
    let t = visit();
    for (n, minutes) in [(1, 60), (2, 600), (3, 240)] {
        world.history.entry(&volunteer(n).id).minutes_this_month = minutes;
    }
    // Average (60 + 600 + 240) / 3 = 300 min.
    let light = score_of(&world, &volunteer(1), &t);
    let heavy = score_of(&world, &volunteer(2), &t);
    let f = term(&light, ScoreKind::Fairness).expect("fairness");
    assert_eq!(f.points, 4 * FAIRNESS_POINTS_PER_HOUR);
    assert_eq!(
        f.reason.en(),
        "gave 1.0 h this month, below the village average of 5.0 h"
    );
    assert_eq!(f.reason.zh(), "本月已服务 1.0 小时，低于全村平均 5.0 小时");
    let f = term(&heavy, ScoreKind::Fairness).expect("fairness");
    assert_eq!(f.points, -5 * FAIRNESS_POINTS_PER_HOUR);
    assert_eq!(
        f.reason.en(),
        "gave 10.0 h this month, above the village average of 5.0 h"
    );
    assert_eq!(f.reason.zh(), "本月已服务 10.0 小时，高于全村平均 5.0 小时");
    assert!(light.total > heavy.total);
    // Someone new (not in the history) counts as 0 minutes: favoured most.
    let new = score_of(&world, &volunteer(9), &t);
    assert!(new.total > light.total);
    // Without any history, fairness plays no part.
    assert_eq!(
        term(
            &score_of(&World::new(), &volunteer(1), &t),
            ScoreKind::Fairness
        ),
        None
    );
}

#[test]
fn liking_the_kind_of_task_scores_higher() {
    let world = World::new();
    let t = visit();
    let mut keen = volunteer(1);
    keen.preferred_task_kinds = vec![TaskKind::HomeVisit];
    let mut other = volunteer(2);
    other.preferred_task_kinds = vec![TaskKind::SmartphoneClass];
    let (ks, os) = (score_of(&world, &keen, &t), score_of(&world, &other, &t));
    assert_eq!(ks.total - os.total, PREFERRED_KIND_POINTS);
    let p = term(&ks, ScoreKind::PreferredKind).expect("preferred");
    assert_eq!(p.reason.en(), "likes home visit tasks");
    assert_eq!(p.reason.zh(), "愿意做上门探访");
    assert_eq!(term(&os, ScoreKind::PreferredKind), None);
}

#[test]
fn speaking_the_task_language_scores_higher() {
    let world = World::new();
    let mut talk = visit();
    talk.kind = TaskKind::AntiFraudTalk;
    talk.beneficiary = None;
    talk.group = Some(group(1));
    talk.preferred_languages = vec![Language::local_dialect()];
    let mut local = volunteer(1);
    local.languages.push(Language::local_dialect());
    let (ls, ms) = (
        score_of(&world, &local, &talk),
        score_of(&world, &volunteer(2), &talk),
    );
    assert_eq!(ls.total - ms.total, TASK_LANGUAGE_POINTS);
    let l = term(&ls, ScoreKind::TaskLanguage).expect("language");
    assert_eq!(l.reason.en(), "speaks 本地方言");
    assert_eq!(l.reason.zh(), "会说本地方言");
}

#[test]
fn speaking_the_beneficiary_soft_language_scores_higher_and_is_not_counted_twice() {
    let mut world = World::new();
    world.beneficiaries[0].preferences.preferred_language = Some(LanguagePreference {
        language: Language::local_dialect(),
        strength: PreferenceStrength::Soft,
    });
    let mut t = visit();
    // Tasks usually copy the wish into their own languages, as the demo does.
    t.preferred_languages = vec![Language::local_dialect()];
    let mut local = volunteer(1);
    local.languages.push(Language::local_dialect());
    let (ls, ms) = (
        score_of(&world, &local, &t),
        score_of(&world, &volunteer(2), &t),
    );
    assert_eq!(ls.total - ms.total, BENEFICIARY_LANGUAGE_POINTS);
    let l = term(&ls, ScoreKind::BeneficiaryLanguage).expect("language");
    assert_eq!(l.reason.en(), "speaks 本地方言, as the beneficiary prefers");
    assert_eq!(l.reason.zh(), "会说受助人偏好的本地方言");
    assert_eq!(term(&ls, ScoreKind::TaskLanguage), None);
}

#[test]
fn past_no_shows_score_lower() {
    let mut world = World::new();
    let t = visit();
    for (n, no_shows, past) in [(1, 0, 10), (2, 2, 10), (3, 5, 10)] {
        let rec = world.history.entry(&volunteer(n).id);
        rec.no_shows = no_shows;
        rec.past_assignments = past;
    }
    let s: Vec<Score> = (1..=3)
        .map(|n| score_of(&world, &volunteer(n), &t))
        .collect();
    assert!(s[0].total > s[1].total && s[1].total > s[2].total);
    assert_eq!(term(&s[0], ScoreKind::Reliability), None);
    let r = term(&s[1], ScoreKind::Reliability).expect("reliability");
    assert_eq!(r.points, -(RELIABILITY_MAX_PENALTY * 2) / 14);
    assert_eq!(r.reason.en(), "missed 2 of 10 past tasks");
    assert_eq!(r.reason.zh(), "以往 10 次任务中缺席 2 次");
}

#[test]
fn a_full_explanation_reads_as_one_line() {
    let mut world = World::new();
    world
        .history
        .entry(&volunteer(1).id)
        .visits
        .insert(elder().id, 2);
    let mut v = volunteer(1);
    v.group = group(2);
    let s = score_of(&world, &v, &visit());
    assert_eq!(s.summary_en(), "1.2 km away · visited this elder 2 times");
    assert_eq!(s.summary_zh(), "距离 1.2 公里 · 曾探访这位老人 2 次");
}
