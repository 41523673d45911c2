//! "For me": a volunteer's own view of the open tasks, best fits first, each with its reasons,
//! and the ones they cannot take with the reason why (shown greyed, not hidden, so nobody
//! wonders where a task went).

use super::{check, score, Ineligibility, MatchContext, Score};
use crate::model::{Task, TaskStatus, Volunteer};

/// One open task as it fits this volunteer.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskFit {
    /// Index into the tasks given to [`rank_for_volunteer`].
    pub task: usize,
    /// Empty when the volunteer can take the task.
    pub ineligible: Vec<Ineligibility>,
    pub score: Score,
}

impl TaskFit {
    pub fn eligible(&self) -> bool {
        self.ineligible.is_empty()
    }
}

/// Ranks the open tasks for `volunteer`: eligible ones by score (best first), then the others;
/// ties by start time, then id, so the list does not jump around between syncs.
pub fn rank_for_volunteer(
    ctx: &MatchContext<'_>,
    volunteer: &Volunteer,
    tasks: &[Task],
) -> Vec<TaskFit> {
    let mut fits: Vec<TaskFit> = tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.status == TaskStatus::Open)
        .map(|(i, t)| TaskFit {
            task: i,
            ineligible: check(ctx, volunteer, t),
            score: score(ctx, volunteer, t),
        })
        .collect();
    fits.sort_by(|a, b| {
        let (ta, tb) = (&tasks[a.task], &tasks[b.task]);
        b.eligible()
            .cmp(&a.eligible())
            .then(b.score.total.cmp(&a.score.total))
            .then(ta.start.cmp(&tb.start))
            .then(ta.id.cmp(&tb.id))
    });
    fits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::fixtures::{at, group, village, volunteer};
    use crate::matching::ServiceHistory;
    use crate::model::{Skill, TaskKind};

    fn task(id: &str, group_n: u32, day: u32) -> Task {
        Task::builder(
            id,
            TaskKind::SmartphoneClass,
            "手机课",
            at(day, 9, 0),
            at(day, 10, 0),
        )
        .group(group(group_n))
        .capacity(1, 5)
        .build()
        .expect("task")
    }

    #[test]
    fn nearer_tasks_come_first_and_ineligible_ones_last_with_their_reason() {
        let village = village();
        let history = ServiceHistory::default();
        let ctx = MatchContext::new(&village, &[], &[], &history);
        let mut needs_nurse = task("t-nurse", 1, 2);
        needs_nurse.required_skills = vec![Skill::Nursing];
        let mut cancelled = task("t-cancelled", 1, 2);
        cancelled.status = TaskStatus::Cancelled;
        let tasks = vec![
            task("t-far", 4, 1),
            needs_nurse,
            task("t-near", 1, 3),
            cancelled,
        ];
        let me = volunteer(1); // lives in group 1
        let ranked = rank_for_volunteer(&ctx, &me, &tasks);
        let order: Vec<&str> = ranked.iter().map(|f| tasks[f.task].id.as_str()).collect();
        assert_eq!(
            order,
            ["t-near", "t-far", "t-nurse"],
            "cancelled tasks are not listed"
        );
        assert!(ranked[0].score.total > ranked[1].score.total);
        assert_eq!(
            ranked[2].ineligible,
            vec![Ineligibility::MissingSkill(Skill::Nursing)]
        );
    }

    #[test]
    fn availability_changes_the_list() {
        let village = village();
        let history = ServiceHistory::default();
        let ctx = MatchContext::new(&village, &[], &[], &history);
        let tasks = vec![task("t-1", 1, 1)];
        let mut me = volunteer(1);
        me.availability = Default::default();
        assert!(!rank_for_volunteer(&ctx, &me, &tasks)[0].eligible());
        me.availability
            .set_part(1, crate::model::DayPart::Morning, true); // Tuesday 1 Dec
        assert!(rank_for_volunteer(&ctx, &me, &tasks)[0].eligible());
    }
}
