//! The app's two languages. Every visible string is a `Msg`, so a missing translation is a
//! compile error rather than a Chinese word left on an English screen.

use serde::{Deserialize, Serialize};

/// The user's language. Chinese is the default: most volunteers and coordinators read it first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// The BCP 47 tag, used for `<html lang>` and for storage.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Reads a stored tag; anything unknown (or nothing) falls back to Chinese.
    pub fn from_tag(tag: Option<&str>) -> Lang {
        match tag {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    /// The other language, for the one-button switch in the top bar.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// Every string the app shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    AppName,
    Tagline,
    NavHome,
    NavVolunteer,
    NavCoordinator,
    /// The label of the switch names the language it switches *to*, in that language.
    SwitchLanguage,
    SwitchLanguageLabel,
    StatusOnline,
    StatusOffline,
    StatusPending,
    HomeTitle,
    HomeIntro,
    HomeVolunteerCard,
    HomeVolunteerCardBody,
    HomeCoordinatorCard,
    HomeCoordinatorCardBody,
    HomeOfflineNote,
    VolunteerTitle,
    CoordinatorTitle,
    NotFoundTitle,
    NotFoundBody,
    BackHome,
    UpdateReady,
    UpdateReload,
    StatusSyncing,
    StatusSynced,
    JoinTitle,
    JoinIntro,
    InviteCode,
    YourName,
    YourPhone,
    JoinButton,
    Joining,
    JoinInvalidCode,
    JoinNeedsNetwork,
    JoinFailed,
    JoinGroup,
    JoinChooseGroup,
    JoinCodeAccepted,
    JoinQueued,
    LoginTitle,
    LoginWorking,
    LoginFailed,
    LoginNoCode,
    VolunteerNotJoined,
    NoOpenTasks,
    SignUp,
    Withdraw,
    SignupConfirmed,
    SignupPendingSync,
    CoordinatorNotSignedIn,
    TasksTitle,
    SignupsTitle,
    NoSignups,
    AssignVolunteer,
    ChooseVolunteer,
    AssignButton,
    Unassign,
    BackToTasks,
    TaskNotFound,
    RejectForbidden,
    RejectInvalid,
    RejectNotFound,
    RejectAlreadyExists,
    RejectTaskNotOpen,
    RejectNotEligible,
    RejectTaskFull,
    NoticeStorageFull,
    NoticeSignedOut,
    Dismiss,
    NavProfile,
    ProfileTitle,
    ProfileAvailability,
    ProfileAvailabilityHint,
    Morning,
    Afternoon,
    Evening,
    MaxHours,
    ProfileLanguages,
    ProfileSkills,
    CertificateValidUntil,
    CertificateExpired,
    CertificateUnverified,
    Save,
    SavedLocally,
    ForMe,
    NotForMe,
    ScheduleTitle,
    Upcoming,
    Past,
    DevicesTitle,
    NavDevices,
    DevicesNeedNetwork,
    RevokeDevice,
    DeviceRevoked,
    ThisDevice,
    LastSeen,
    NeverSeen,
    EditTask,
    CancelTask,
    CancelTaskConfirm,
    TaskCancelled,
    TaskStatusCancelled,
    NoticesTitle,
    NoticeToTask,
    NoticeToVillage,
    SendNotice,
    NoticeSent,
    BoardTitle,
    NavBoard,
    BoardUnfilled,
    BoardWaitlists,
    BoardOverHours,
    BoardConflicts,
    NavBeneficiaries,
    NavNewTask,
    NavCampaign,
    NavPlan,
    BeneficiariesTitle,
    SearchByName,
    FilterGroup,
    FilterFlag,
    FlagElderly,
    FlagLivesAlone,
    FlagEmptyNest,
    FlagDisabled,
    FlagLowIncome,
    FlagLeftBehindChild,
    AddBeneficiary,
    BirthYear,
    Needs,
    HealthNotes,
    PhoneLabel,
    NameLabel,
    ImportCsv,
    ExportCsv,
    NoBeneficiaries,
    Saved,
    TemplateLabel,
    TitleLabel,
    KindLabel,
    DateLabel,
    StartLabel,
    EndLabel,
    PlacesLabel,
    ForBeneficiary,
    NoBeneficiary,
    RepeatWeekly,
    RepeatCount,
    CreateTask,
    CampaignTitle,
    DateFrom,
    DateTo,
    CampaignCreate,
    SuggestionsTitle,
    NotEligibleTitle,
    PlanTitle,
    PlanWeek,
    PlanCompute,
    PlanApply,
    PlanDiscard,
    PlanAssignments,
    PlanUnfilled,
    PlanLoads,
    PlanFairness,
    PlanExact,
    PlanHeuristic,
    PlanNothing,
    VolunteersTitle,
    SearchVolunteers,
    ScoreColumn,
    // Task page, check-in/out, filters, my service, reminders.
    WhereLabel,
    WhenLabel,
    AddressLabel,
    AddressOnceConfirmed,
    PersonServed,
    AlsoGoing,
    NobodyElseYet,
    CheckIn,
    CheckOut,
    CheckedIn,
    CheckedOut,
    PhoneClock,
    CheckInOpensSoon,
    VisitNote,
    VisitNoteHint,
    SaveNote,
    NoteSaved,
    FilterKind,
    FilterDay,
    FilterDistance,
    FilterAny,
    NoMatchingTasks,
    NavService,
    ThisMonth,
    AllTime,
    ByKind,
    ServiceRecordTitle,
    PrintRecord,
    NoServiceYet,
    DateColumn,
    TaskColumn,
    TimeColumn,
    DurationColumn,
    KindColumn,
    RemindersTitle,
    EnableNotifications,
    NotificationsOn,
    NotificationsBlocked,
    ServiceRecordsTitle,
    ReceivedByServer,
    NotYetSynced,
    VolunteerColumn,
    NoteColumn,
    PrintedOn,
    VillageLabel,
    NoUpcoming,
    ExportOne,
    ExportAll,
    NavSchedule,
    // Profile (exact hours, away dates, preferences) and large text.
    ExactHours,
    TimeFrom,
    TimeTo,
    AddTimeRange,
    Remove,
    NoTimeSet,
    ExactHoursHint,
    RangeEndBeforeStart,
    RangeOverlaps,
    RangeIncomplete,
    RangeNoRoom,
    FixTimesFirst,
    UnsavedChanges,
    AwayTitle,
    AwayHint,
    AwayFirstDay,
    AwayLastDay,
    AddAway,
    NoAwayDays,
    AwayLabel,
    ExtraTimeLabel,
    AwayDatesReversed,
    AwayNeedsFirstDay,
    ProfileTaskKinds,
    ProfileTaskKindsHint,
    LanguageMandarin,
    LanguageLocalDialect,
    LanguageCantonese,
    LanguageMinnan,
    LargeText,
    LargeTextLabel,
}

impl Msg {
    pub fn text(self, lang: Lang) -> &'static str {
        use Msg::*;
        match lang {
            Lang::Zh => match self {
                AppName => "邻里",
                Tagline => "村居志愿服务",
                NavHome => "首页",
                NavVolunteer => "志愿者",
                NavCoordinator => "协调员",
                SwitchLanguage => "English",
                SwitchLanguageLabel => "Switch to English",
                StatusOnline => "在线",
                StatusOffline => "离线",
                StatusPending => "项待同步",
                HomeTitle => "邻里守望，服务到家",
                HomeIntro => "报名志愿服务、接收关爱老人和社区教育任务、记录服务时长。没有信号也能用，联网后自动同步。",
                HomeVolunteerCard => "我是志愿者",
                HomeVolunteerCardBody => "查看适合我的任务，报名、签到、签退。",
                HomeCoordinatorCard => "我是协调员",
                HomeCoordinatorCardBody => "登记服务对象，发布任务，安排合适的人。",
                HomeOfflineNote => "本应用可安装到手机桌面，离线时照常打开。",
                VolunteerTitle => "志愿者",
                CoordinatorTitle => "协调员工作台",
                NotFoundTitle => "找不到这个页面",
                NotFoundBody => "链接可能有误或已失效。",
                BackHome => "返回首页",
                UpdateReady => "新版本已准备好。",
                UpdateReload => "重新加载以更新",
                StatusSyncing => "同步中…",
                StatusSynced => "已同步",
                JoinTitle => "加入本村志愿队",
                JoinIntro => "请输入村里发给您的邀请码，以及您的姓名和手机号。",
                InviteCode => "邀请码",
                YourName => "姓名",
                YourPhone => "手机号",
                JoinButton => "加入",
                Joining => "正在加入…",
                JoinInvalidCode => "邀请码无效或已过期，请向村服务中心确认。",
                JoinNeedsNetwork => "加入需要联网。请连上网络后再试，已填写的内容会保留。",
                JoinFailed => "加入失败，请稍后再试。",
                JoinGroup => "所在村民小组",
                JoinChooseGroup => "请选择",
                JoinCodeAccepted => "邀请码有效：",
                JoinQueued => "现在没有网络：已记下您的信息，联网后会自动加入。",
                LoginTitle => "协调员登录",
                LoginWorking => "正在登录…",
                LoginFailed => "登录链接无效或已使用，请向管理员索取新的链接。",
                LoginNoCode => "请使用管理员发给您的登录链接。",
                VolunteerNotJoined => "您还没有加入志愿队。",
                NoOpenTasks => "目前没有可报名的任务。",
                SignUp => "报名",
                Withdraw => "取消报名",
                SignupConfirmed => "已确认",
                SignupPendingSync => "待同步",
                CoordinatorNotSignedIn => "请用管理员发给您的登录链接登录。",
                TasksTitle => "任务",
                SignupsTitle => "报名情况",
                NoSignups => "还没有人报名。",
                AssignVolunteer => "安排志愿者",
                ChooseVolunteer => "选择志愿者",
                AssignButton => "安排",
                Unassign => "取消安排",
                BackToTasks => "返回任务列表",
                TaskNotFound => "找不到这个任务（可能还没同步）。",
                RejectForbidden => "您没有权限进行这项操作。",
                RejectInvalid => "提交的内容有误，未能保存。",
                RejectNotFound => "找不到相关的任务或人员。",
                RejectAlreadyExists => "已经报名或已存在。",
                RejectTaskNotOpen => "该任务已取消或结束。",
                RejectNotEligible => "不符合该任务的要求。",
                RejectTaskFull => "该任务名额已满。",
                NoticeStorageFull => "手机存储空间已满：您的未同步操作已保留，其余数据将在联网时重新下载。",
                NoticeSignedOut => "登录已失效，请重新加入或登录。未同步的操作已保留。",
                Dismiss => "知道了",
                NavProfile => "我的资料",
                ProfileTitle => "我的资料",
                ProfileAvailability => "我通常有空的时间",
                ProfileAvailabilityHint => "点一下选择或取消：上午 8–12 点，下午 1–5 点，晚上 6–9 点。",
                Morning => "上午",
                Afternoon => "下午",
                Evening => "晚上",
                MaxHours => "每周最多服务小时数",
                ProfileLanguages => "我会说的语言和方言",
                ProfileSkills => "我的技能和证书",
                CertificateValidUntil => "证书有效期至（不填表示长期有效）",
                CertificateExpired => "已过期",
                CertificateUnverified => "待协调员核实证书",
                Save => "保存",
                SavedLocally => "已保存，联网后会自动同步。",
                ForMe => "适合我的任务",
                NotForMe => "暂不适合：",
                ScheduleTitle => "我的日程",
                Upcoming => "即将进行",
                Past => "已结束",
                DevicesTitle => "登录的设备",
                NavDevices => "设备",
                DevicesNeedNetwork => "查看设备需要联网。",
                RevokeDevice => "让这台设备退出登录",
                DeviceRevoked => "已退出",
                ThisDevice => "本机",
                LastSeen => "最近同步",
                NeverSeen => "从未同步",
                EditTask => "修改任务",
                CancelTask => "取消这个任务",
                CancelTaskConfirm => "确定取消这个任务吗？已报名的志愿者会看到任务已取消。",
                TaskCancelled => "任务已取消。",
                TaskStatusCancelled => "已取消",
                NoticesTitle => "通知",
                NoticeToTask => "给参加这个任务的所有人发通知",
                NoticeToVillage => "给全村志愿者发通知",
                SendNotice => "发送",
                NoticeSent => "通知已发出，志愿者同步后会看到。",
                BoardTitle => "本周看板",
                NavBoard => "看板",
                BoardUnfilled => "还缺人的任务",
                BoardWaitlists => "有候补名单的任务",
                BoardOverHours => "超出每周时长的志愿者",
                BoardConflicts => "已签到后被取消的任务",
                NavBeneficiaries => "服务对象",
                NavNewTask => "发布任务",
                NavCampaign => "批量活动",
                NavPlan => "每周排班",
                BeneficiariesTitle => "服务对象登记",
                SearchByName => "按姓名查找",
                FilterGroup => "村民小组",
                FilterFlag => "情况",
                FlagElderly => "老人",
                FlagLivesAlone => "独居",
                FlagEmptyNest => "空巢",
                FlagDisabled => "残疾",
                FlagLowIncome => "低保",
                FlagLeftBehindChild => "留守儿童",
                AddBeneficiary => "登记新的服务对象",
                BirthYear => "出生年份",
                Needs => "服务需求",
                HealthNotes => "健康备注",
                PhoneLabel => "电话",
                NameLabel => "姓名",
                ImportCsv => "从表格导入（CSV）",
                ExportCsv => "导出为表格（CSV）",
                NoBeneficiaries => "没有符合条件的服务对象。",
                Saved => "已保存。",
                TemplateLabel => "常设项目模板",
                TitleLabel => "标题",
                KindLabel => "类型",
                DateLabel => "日期",
                StartLabel => "开始时间",
                EndLabel => "结束时间",
                PlacesLabel => "需要人数",
                ForBeneficiary => "服务对象（可不选）",
                NoBeneficiary => "不针对具体对象",
                RepeatWeekly => "每周重复",
                RepeatCount => "共几次",
                CreateTask => "发布",
                CampaignTitle => "批量活动：为符合条件的每位服务对象生成任务",
                DateFrom => "从",
                DateTo => "到",
                CampaignCreate => "生成任务",
                SuggestionsTitle => "推荐人选",
                NotEligibleTitle => "不符合条件的志愿者",
                PlanTitle => "每周排班",
                PlanWeek => "哪一周",
                PlanCompute => "生成排班方案",
                PlanApply => "应用方案",
                PlanDiscard => "放弃",
                PlanAssignments => "安排",
                PlanUnfilled => "仍未安排满的任务",
                PlanLoads => "志愿者本周时长（前 → 后 / 上限）",
                PlanFairness => "公平度：本周最多时长、时长标准差、有任务的人数",
                PlanExact => "已证明为最优方案。",
                PlanHeuristic => "方案接近最优（未能证明）。",
                PlanNothing => "这一周没有待安排的任务。",
                VolunteersTitle => "志愿者",
                SearchVolunteers => "查找志愿者（姓名、电话、技能）",
                ScoreColumn => "匹配分",
                WhereLabel => "地点",
                WhenLabel => "时间",
                AddressLabel => "地址",
                AddressOnceConfirmed => "确认参加后显示具体地址。",
                PersonServed => "服务对象",
                AlsoGoing => "同去的志愿者",
                NobodyElseYet => "暂时没有其他人。",
                CheckIn => "签到",
                CheckOut => "签退",
                CheckedIn => "签到",
                CheckedOut => "签退",
                PhoneClock => "（按手机时间）",
                CheckInOpensSoon => "任务开始前一小时起可以签到。",
                VisitNote => "给协调员的备注",
                VisitNoteHint => "例如：李奶奶的药快吃完了，需要续开。",
                SaveNote => "保存备注",
                NoteSaved => "备注已保存，联网后会发给协调员。",
                FilterKind => "类型",
                FilterDay => "日期",
                FilterDistance => "距离",
                FilterAny => "全部",
                NoMatchingTasks => "没有符合筛选条件的任务。",
                NavService => "我的服务",
                ThisMonth => "本月",
                AllTime => "累计",
                ByKind => "按服务类型",
                ServiceRecordTitle => "志愿服务记录",
                PrintRecord => "打印服务记录",
                NoServiceYet => "还没有服务记录。签到并签退后会显示在这里。",
                DateColumn => "日期",
                TaskColumn => "任务",
                TimeColumn => "时间",
                DurationColumn => "时长",
                KindColumn => "类型",
                RemindersTitle => "24 小时内的任务",
                EnableNotifications => "开启手机通知提醒",
                NotificationsOn => "已开启通知提醒。",
                NotificationsBlocked => "通知被浏览器阻止，可在浏览器设置中允许。",
                ServiceRecordsTitle => "服务记录",
                ReceivedByServer => "服务器收到",
                NotYetSynced => "未同步",
                VolunteerColumn => "志愿者",
                NoteColumn => "备注",
                PrintedOn => "打印日期",
                VillageLabel => "所在村",
                NoUpcoming => "近期没有安排。",
                ExportOne => "加入手机日历",
                ExportAll => "全部加入手机日历",
                NavSchedule => "我的日程",
                // Profile (exact hours, away dates, preferences) and large text.
                ExactHours => "精确时间",
                TimeFrom => "从",
                TimeTo => "到",
                AddTimeRange => "添加一段时间",
                Remove => "删除",
                NoTimeSet => "未填",
                ExactHoursHint => "结束时间选 00:00 表示到午夜。改好后请点下面的“保存”。",
                RangeEndBeforeStart => "结束时间要晚于开始时间。这段时间没有改动。",
                RangeOverlaps => "这段时间和当天的另一段时间重叠了，没有改动。请修改其中一段。",
                RangeIncomplete => "请填写开始和结束时间。",
                RangeNoRoom => "这一天已经没有空余时间可以添加。",
                FixTimesFirst => "有的时间填写有误（见上面的提示），请先改正再保存。",
                UnsavedChanges => "有修改还没有保存。",
                AwayTitle => "外出不在的日子",
                AwayHint => "比如走亲戚、农忙或生病：这些天不会给您安排任务。",
                AwayFirstDay => "第一天",
                AwayLastDay => "最后一天（含当天）",
                AddAway => "添加外出日期",
                NoAwayDays => "没有外出安排。",
                AwayLabel => "外出",
                ExtraTimeLabel => "额外有空",
                AwayDatesReversed => "最后一天不能早于第一天，没有添加。",
                AwayNeedsFirstDay => "请选择第一天。",
                ProfileTaskKinds => "我愿意做的服务",
                ProfileTaskKindsHint => "可以多选。不选也会收到适合您的任务。",
                LanguageMandarin => "普通话",
                LanguageLocalDialect => "本地方言",
                LanguageCantonese => "粤语",
                LanguageMinnan => "闽南语",
                LargeText => "大字",
                LargeTextLabel => "大字模式",
            },
            Lang::En => match self {
                AppName => "Linli",
                Tagline => "Village volunteer service",
                NavHome => "Home",
                NavVolunteer => "Volunteer",
                NavCoordinator => "Coordinator",
                SwitchLanguage => "中文",
                SwitchLanguageLabel => "切换到中文",
                StatusOnline => "Online",
                StatusOffline => "Offline",
                StatusPending => "pending",
                HomeTitle => "Neighbours helping neighbours",
                HomeIntro => "Sign up to volunteer, take on elder-care and community-education tasks, and keep a record of your service. Works with no signal and syncs when you are back online.",
                HomeVolunteerCard => "I volunteer",
                HomeVolunteerCardBody => "See the tasks that suit me, sign up, check in and out.",
                HomeCoordinatorCard => "I coordinate",
                HomeCoordinatorCardBody => "Register the people we serve, post tasks, send the right people.",
                HomeOfflineNote => "Install this app on your phone's home screen; it opens even when offline.",
                VolunteerTitle => "Volunteer",
                CoordinatorTitle => "Coordinator's workspace",
                NotFoundTitle => "Page not found",
                NotFoundBody => "The link may be wrong or out of date.",
                BackHome => "Back to home",
                UpdateReady => "A new version is ready.",
                UpdateReload => "Reload to update",
                StatusSyncing => "Syncing…",
                StatusSynced => "Synced",
                JoinTitle => "Join your village's volunteer team",
                JoinIntro => "Enter the invite code your village gave you, and your name and phone number.",
                InviteCode => "Invite code",
                YourName => "Name",
                YourPhone => "Phone number",
                JoinButton => "Join",
                Joining => "Joining…",
                JoinInvalidCode => "This invite code is wrong or has expired. Please check with the service centre.",
                JoinNeedsNetwork => "Joining needs a connection. Please try again when you are online; what you typed is kept.",
                JoinFailed => "Could not join. Please try again later.",
                JoinGroup => "Your village group",
                JoinChooseGroup => "Please choose",
                JoinCodeAccepted => "Invite code accepted:",
                JoinQueued => "No connection now: your details are kept and you will join automatically once online.",
                LoginTitle => "Coordinator sign-in",
                LoginWorking => "Signing in…",
                LoginFailed => "This sign-in link is invalid or was already used. Ask the administrator for a new one.",
                LoginNoCode => "Please open the sign-in link the administrator gave you.",
                VolunteerNotJoined => "You have not joined a volunteer team yet.",
                NoOpenTasks => "There are no open tasks right now.",
                SignUp => "Sign up",
                Withdraw => "Withdraw",
                SignupConfirmed => "Confirmed",
                SignupPendingSync => "Waiting to sync",
                CoordinatorNotSignedIn => "Please sign in with the link the administrator gave you.",
                TasksTitle => "Tasks",
                SignupsTitle => "Sign-ups",
                NoSignups => "Nobody has signed up yet.",
                AssignVolunteer => "Assign a volunteer",
                ChooseVolunteer => "Choose a volunteer",
                AssignButton => "Assign",
                Unassign => "Unassign",
                BackToTasks => "Back to tasks",
                TaskNotFound => "Task not found (it may not have synced yet).",
                RejectForbidden => "You are not allowed to do this.",
                RejectInvalid => "Something in the change was not valid; it was not saved.",
                RejectNotFound => "The task or person could not be found.",
                RejectAlreadyExists => "Already signed up, or it already exists.",
                RejectTaskNotOpen => "This task was cancelled or has finished.",
                RejectNotEligible => "You do not meet this task's requirements.",
                RejectTaskFull => "All places on this task are taken.",
                NoticeStorageFull => "This phone's storage is full: your unsent changes are kept; the rest will be downloaded again when online.",
                NoticeSignedOut => "Your sign-in has expired. Please join or sign in again; unsent changes are kept.",
                Dismiss => "Dismiss",
                NavProfile => "My profile",
                ProfileTitle => "My profile",
                ProfileAvailability => "When I am usually free",
                ProfileAvailabilityHint => "Tap to choose or clear: morning 8–12, afternoon 1–5, evening 6–9.",
                Morning => "Morning",
                Afternoon => "Afternoon",
                Evening => "Evening",
                MaxHours => "Most hours per week",
                ProfileLanguages => "Languages and dialects I speak",
                ProfileSkills => "My skills and certificates",
                CertificateValidUntil => "Certificate valid until (leave empty if it does not expire)",
                CertificateExpired => "Expired",
                CertificateUnverified => "Waiting for a coordinator to see the certificate",
                Save => "Save",
                SavedLocally => "Saved. It will sync when you are online.",
                ForMe => "Tasks for me",
                NotForMe => "Not for me now:",
                ScheduleTitle => "My schedule",
                Upcoming => "Upcoming",
                Past => "Past",
                DevicesTitle => "Signed-in devices",
                NavDevices => "Devices",
                DevicesNeedNetwork => "Seeing devices needs a connection.",
                RevokeDevice => "Sign this device out",
                DeviceRevoked => "Signed out",
                ThisDevice => "This device",
                LastSeen => "Last synced",
                NeverSeen => "Never synced",
                EditTask => "Edit the task",
                CancelTask => "Cancel this task",
                CancelTaskConfirm => "Cancel this task? The volunteers signed up will see it is cancelled.",
                TaskCancelled => "The task is cancelled.",
                TaskStatusCancelled => "Cancelled",
                NoticesTitle => "Notices",
                NoticeToTask => "A notice to everyone on this task",
                NoticeToVillage => "A notice to all volunteers of the village",
                SendNotice => "Send",
                NoticeSent => "Notice sent; volunteers see it after they sync.",
                BoardTitle => "This week's board",
                NavBoard => "Board",
                BoardUnfilled => "Tasks still short of people",
                BoardWaitlists => "Tasks with a waiting list",
                BoardOverHours => "Volunteers over their weekly hours",
                BoardConflicts => "Tasks cancelled after someone checked in",
                NavBeneficiaries => "People served",
                NavNewTask => "New task",
                NavCampaign => "Campaign",
                NavPlan => "Weekly plan",
                BeneficiariesTitle => "Register of people served",
                SearchByName => "Search by name",
                FilterGroup => "Village group",
                FilterFlag => "Situation",
                FlagElderly => "Elder",
                FlagLivesAlone => "Lives alone",
                FlagEmptyNest => "Empty nest",
                FlagDisabled => "Disabled",
                FlagLowIncome => "Low income",
                FlagLeftBehindChild => "Left-behind child",
                AddBeneficiary => "Register someone new",
                BirthYear => "Birth year",
                Needs => "Needs",
                HealthNotes => "Health notes",
                PhoneLabel => "Phone",
                NameLabel => "Name",
                ImportCsv => "Import from a spreadsheet (CSV)",
                ExportCsv => "Export as a spreadsheet (CSV)",
                NoBeneficiaries => "Nobody matches.",
                Saved => "Saved.",
                TemplateLabel => "Standing programme template",
                TitleLabel => "Title",
                KindLabel => "Kind",
                DateLabel => "Date",
                StartLabel => "Start",
                EndLabel => "End",
                PlacesLabel => "Places",
                ForBeneficiary => "Person served (optional)",
                NoBeneficiary => "Nobody in particular",
                RepeatWeekly => "Repeat every week",
                RepeatCount => "How many times",
                CreateTask => "Post",
                CampaignTitle => "Campaign: a task for everyone who matches",
                DateFrom => "From",
                DateTo => "To",
                CampaignCreate => "Make the tasks",
                SuggestionsTitle => "Suggested volunteers",
                NotEligibleTitle => "Volunteers who cannot go",
                PlanTitle => "Weekly plan",
                PlanWeek => "Which week",
                PlanCompute => "Make a plan",
                PlanApply => "Apply the plan",
                PlanDiscard => "Discard",
                PlanAssignments => "Assignments",
                PlanUnfilled => "Tasks left with open places",
                PlanLoads => "Volunteers' hours this week (before → after / limit)",
                PlanFairness => "Fairness: most hours, spread (standard deviation), people with work",
                PlanExact => "Proven to be the best plan.",
                PlanHeuristic => "A near-best plan (not proven optimal).",
                PlanNothing => "Nothing to plan in this week.",
                VolunteersTitle => "Volunteers",
                SearchVolunteers => "Find volunteers (name, phone, skill)",
                ScoreColumn => "Score",
                WhereLabel => "Where",
                WhenLabel => "When",
                AddressLabel => "Address",
                AddressOnceConfirmed => "The exact address is shown once your place is confirmed.",
                PersonServed => "Person served",
                AlsoGoing => "Also going",
                NobodyElseYet => "Nobody else yet.",
                CheckIn => "Check in",
                CheckOut => "Check out",
                CheckedIn => "Checked in",
                CheckedOut => "Checked out",
                PhoneClock => "(by the phone's clock)",
                CheckInOpensSoon => "Check-in opens an hour before the start.",
                VisitNote => "Note for the coordinator",
                VisitNoteHint => "For example: Grandma Li needs her medicine refilled.",
                SaveNote => "Save note",
                NoteSaved => "Note saved. It reaches the coordinator when you are online.",
                FilterKind => "Kind",
                FilterDay => "Day",
                FilterDistance => "Distance",
                FilterAny => "Any",
                NoMatchingTasks => "No tasks match these filters.",
                NavService => "My service",
                ThisMonth => "This month",
                AllTime => "In total",
                ByKind => "By kind of service",
                ServiceRecordTitle => "Record of volunteer service",
                PrintRecord => "Print record of service",
                NoServiceYet => "No service recorded yet. It appears here once you check in and out.",
                DateColumn => "Date",
                TaskColumn => "Task",
                TimeColumn => "Time",
                DurationColumn => "Duration",
                KindColumn => "Kind",
                RemindersTitle => "Coming up in the next 24 hours",
                EnableNotifications => "Turn on phone notifications",
                NotificationsOn => "Notifications are on.",
                NotificationsBlocked => "Notifications are blocked; you can allow them in the browser's settings.",
                ServiceRecordsTitle => "Service records",
                ReceivedByServer => "received by the server",
                NotYetSynced => "not synced yet",
                VolunteerColumn => "Volunteer",
                NoteColumn => "Note",
                PrintedOn => "Printed on",
                VillageLabel => "Village",
                NoUpcoming => "Nothing coming up.",
                ExportOne => "Add to phone calendar",
                ExportAll => "Add all to phone calendar",
                NavSchedule => "My schedule",
                // Profile (exact hours, away dates, preferences) and large text.
                ExactHours => "Exact hours",
                TimeFrom => "From",
                TimeTo => "To",
                AddTimeRange => "Add a time",
                Remove => "Remove",
                NoTimeSet => "none",
                ExactHoursHint => "An end time of 00:00 means midnight. Press Save below to keep your changes.",
                RangeEndBeforeStart => "The end time must be later than the start time. This time was not changed.",
                RangeOverlaps => "This time overlaps another time on the same day and was not changed. Please change one of them.",
                RangeIncomplete => "Please enter both a start and an end time.",
                RangeNoRoom => "There is no free time left to add on this day.",
                FixTimesFirst => "Some times are not right (see the messages above). Please correct them before saving.",
                UnsavedChanges => "You have changes that are not saved yet.",
                AwayTitle => "Days I am away",
                AwayHint => "For example visiting family, harvest time or illness: you will not be given tasks on these days.",
                AwayFirstDay => "First day away",
                AwayLastDay => "Last day away",
                AddAway => "Add days away",
                NoAwayDays => "No days away.",
                AwayLabel => "Away",
                ExtraTimeLabel => "Extra time",
                AwayDatesReversed => "The last day cannot be before the first day. Nothing was added.",
                AwayNeedsFirstDay => "Please choose the first day.",
                ProfileTaskKinds => "Tasks I would like to do",
                ProfileTaskKindsHint => "Choose any number. You will still be offered other tasks that suit you.",
                LanguageMandarin => "Mandarin",
                LanguageLocalDialect => "Local dialect",
                LanguageCantonese => "Cantonese",
                LanguageMinnan => "Minnan (Hokkien)",
                LargeText => "Big text",
                LargeTextLabel => "Big text mode",
            },
        }
    }
}

/// "You are number 2 on the waiting list", with the task-full explanation.
pub fn waitlisted_notice(lang: Lang, position: u32) -> String {
    match lang {
        Lang::Zh => format!("任务名额已满：您在候补名单第 {position} 位。"),
        Lang::En => format!("Task full: you are number {position} on the waiting list."),
    }
}

/// The badge on a sign-up that is waiting for a place.
pub fn waitlisted_badge(lang: Lang, position: Option<u32>) -> String {
    match (lang, position) {
        (Lang::Zh, Some(n)) => format!("候补第 {n} 位"),
        (Lang::Zh, None) => "候补中".to_owned(),
        (Lang::En, Some(n)) => format!("Waiting list: number {n}"),
        (Lang::En, None) => "On the waiting list".to_owned(),
    }
}

pub fn places_left(lang: Lang, left: u32, max: u32) -> String {
    match lang {
        Lang::Zh => format!("还剩 {left} 个名额（共 {max} 个）"),
        Lang::En => format!("{left} of {max} places left"),
    }
}

/// A length of service: "1 小时 9 分" / "1 h 9 min".
pub fn duration_text(lang: Lang, minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (lang, h, m) {
        (Lang::Zh, 0, m) => format!("{m} 分钟"),
        (Lang::Zh, h, 0) => format!("{h} 小时"),
        (Lang::Zh, h, m) => format!("{h} 小时 {m} 分"),
        (Lang::En, 0, m) => format!("{m} min"),
        (Lang::En, h, 0) => format!("{h} h"),
        (Lang::En, h, m) => format!("{h} h {m} min"),
    }
}

/// Hours with one decimal, for totals: "12.5 小时" / "12.5 hours".
pub fn hours_text(lang: Lang, minutes: i64) -> String {
    let hours = minutes as f64 / 60.0;
    match lang {
        Lang::Zh => format!("{hours:.1} 小时"),
        Lang::En => format!("{hours:.1} hours"),
    }
}

/// "3 次" / "3 visits".
pub fn visits_text(lang: Lang, visits: u32) -> String {
    match (lang, visits) {
        (Lang::Zh, n) => format!("{n} 次"),
        (Lang::En, 1) => "1 visit".to_owned(),
        (Lang::En, n) => format!("{n} visits"),
    }
}

/// The distance filter's choices: "3 公里内" / "Within 3 km".
pub fn within_km(lang: Lang, km: u32) -> String {
    match lang {
        Lang::Zh => format!("{km} 公里内"),
        Lang::En => format!("Within {km} km"),
    }
}

/// "另有 1.5 小时待同步" / "1.5 hours more waiting to sync".
pub fn pending_hours_text(lang: Lang, minutes: i64) -> String {
    match lang {
        Lang::Zh => format!("另有 {} 待同步", hours_text(lang, minutes)),
        Lang::En => format!("{} more waiting to sync", hours_text(lang, minutes)),
    }
}

/// "第 3 行未导入：" / "Line 3 not imported: ".
pub fn rejected_line(lang: Lang, line: usize) -> String {
    match lang {
        Lang::Zh => format!("第 {line} 行未导入："),
        Lang::En => format!("Line {line} not imported: "),
    }
}

/// "导入 12 位，1 行未导入。" / "12 imported, 1 line not imported."
pub fn import_summary(lang: Lang, imported: usize, rejected: usize) -> String {
    match lang {
        Lang::Zh => format!("导入 {imported} 位，{rejected} 行未导入。"),
        Lang::En => format!("{imported} imported, {rejected} lines not imported."),
    }
}

/// "将为 12 位服务对象生成 24 个任务" / "24 tasks for 12 people".
pub fn campaign_preview(lang: Lang, people: usize, tasks: usize) -> String {
    match lang {
        Lang::Zh => format!("将为 {people} 位服务对象生成 {tasks} 个任务"),
        Lang::En => format!("{tasks} tasks for {people} people"),
    }
}

/// "已发布 24 个任务" / "24 tasks posted".
pub fn tasks_posted(lang: Lang, tasks: usize) -> String {
    match lang {
        Lang::Zh => format!("已发布 {tasks} 个任务，联网后会同步。"),
        Lang::En => format!("{tasks} tasks posted; they sync when online."),
    }
}

/// "已应用 37 项安排" / "37 assignments applied".
pub fn assignments_applied(lang: Lang, applied: usize, refused: usize) -> String {
    match (lang, refused) {
        (Lang::Zh, 0) => format!("已应用 {applied} 项安排，联网后会同步。"),
        (Lang::Zh, r) => format!("已应用 {applied} 项安排，{r} 项因情况变化未能应用。"),
        (Lang::En, 0) => format!("{applied} assignments applied; they sync when online."),
        (Lang::En, r) => {
            format!("{applied} assignments applied; {r} could not be (things changed).")
        }
    }
}

/// "填满 37 / 40 个名额" / "37 of 40 places filled".
pub fn places_filled(lang: Lang, filled: u32, open: u32) -> String {
    match lang {
        Lang::Zh => format!("填满 {filled} / {open} 个名额"),
        Lang::En => format!("{filled} of {open} places filled"),
    }
}

/// Between items of a list: "、" / ", ".
pub fn list_separator(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    }
}

/// After a label: "：" / ": ".
pub fn colon(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "：",
        Lang::En => ": ",
    }
}

/// A date with its year, for records that are kept: "2026年12月1日" / "1 Dec 2026".
pub fn full_date(lang: Lang, day: linli_core::NaiveDate) -> String {
    use linli_core::Datelike;
    match lang {
        Lang::Zh => format!("{}年{}月{}日", day.year(), day.month(), day.day()),
        Lang::En => format!(
            "{} {} {}",
            day.day(),
            MONTHS_EN[day.month0() as usize],
            day.year()
        ),
    }
}

/// A day: "周二 12月1日" / "Tue 1 Dec".
pub fn day_label(lang: Lang, day: linli_core::NaiveDate) -> String {
    use linli_core::Datelike;
    let weekday = weekday_name(lang, day.weekday().num_days_from_monday() as usize);
    match lang {
        Lang::Zh => format!("{weekday} {}月{}日", day.month(), day.day()),
        Lang::En => format!(
            "{weekday} {} {}",
            day.day(),
            MONTHS_EN[day.month0() as usize]
        ),
    }
}

/// A date and time of day: "12月1日 09:03" / "1 Dec 09:03".
pub fn date_time(lang: Lang, at: linli_core::NaiveDateTime) -> String {
    use linli_core::{Datelike, Timelike};
    match lang {
        Lang::Zh => format!(
            "{}月{}日 {:02}:{:02}",
            at.month(),
            at.day(),
            at.hour(),
            at.minute()
        ),
        Lang::En => format!(
            "{} {} {:02}:{:02}",
            at.day(),
            MONTHS_EN[at.month0() as usize],
            at.hour(),
            at.minute()
        ),
    }
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

pub fn repaired_notice(lang: Lang, kept: usize) -> String {
    match lang {
        Lang::Zh => format!("本机数据已损坏并已修复：保留了 {kept} 项未同步操作，其余数据将重新下载。"),
        Lang::En => format!("The data on this phone was damaged and has been repaired: {kept} unsent changes were kept; the rest will be downloaded again."),
    }
}

/// Weekday names, Monday first.
pub fn weekday_name(lang: Lang, day: usize) -> &'static str {
    const ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    match lang {
        Lang::Zh => ZH[day % 7],
        Lang::En => EN[day % 7],
    }
}

/// "周二 12月1日 09:00–10:00" / "Tue 1 Dec 09:00–10:00", in the village's local time.
pub fn when(
    lang: Lang,
    start: linli_core::NaiveDateTime,
    end: linli_core::NaiveDateTime,
) -> String {
    use linli_core::{Datelike, Timelike};
    let weekday = weekday_name(lang, start.weekday().num_days_from_monday() as usize);
    let (h1, m1, h2, m2) = (start.hour(), start.minute(), end.hour(), end.minute());
    match lang {
        Lang::Zh => format!(
            "{weekday} {}月{}日 {h1:02}:{m1:02}–{h2:02}:{m2:02}",
            start.month(),
            start.day()
        ),
        Lang::En => format!(
            "{weekday} {} {} {h1:02}:{m1:02}–{h2:02}:{m2:02}",
            start.day(),
            MONTHS_EN[start.month0() as usize]
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[Msg] = &[
        Msg::AppName,
        Msg::Tagline,
        Msg::NavHome,
        Msg::NavVolunteer,
        Msg::NavCoordinator,
        Msg::StatusOnline,
        Msg::StatusOffline,
        Msg::StatusPending,
        Msg::HomeTitle,
        Msg::HomeIntro,
        Msg::HomeVolunteerCard,
        Msg::HomeVolunteerCardBody,
        Msg::HomeCoordinatorCard,
        Msg::HomeCoordinatorCardBody,
        Msg::HomeOfflineNote,
        Msg::VolunteerTitle,
        Msg::CoordinatorTitle,
        Msg::NotFoundTitle,
        Msg::NotFoundBody,
        Msg::BackHome,
        Msg::UpdateReady,
        Msg::UpdateReload,
        Msg::StatusSyncing,
        Msg::StatusSynced,
        Msg::JoinTitle,
        Msg::JoinIntro,
        Msg::InviteCode,
        Msg::YourName,
        Msg::YourPhone,
        Msg::JoinButton,
        Msg::Joining,
        Msg::JoinInvalidCode,
        Msg::JoinNeedsNetwork,
        Msg::JoinFailed,
        Msg::JoinGroup,
        Msg::JoinChooseGroup,
        Msg::JoinCodeAccepted,
        Msg::JoinQueued,
        Msg::LoginTitle,
        Msg::LoginWorking,
        Msg::LoginFailed,
        Msg::LoginNoCode,
        Msg::VolunteerNotJoined,
        Msg::NoOpenTasks,
        Msg::SignUp,
        Msg::Withdraw,
        Msg::SignupConfirmed,
        Msg::SignupPendingSync,
        Msg::CoordinatorNotSignedIn,
        Msg::TasksTitle,
        Msg::SignupsTitle,
        Msg::NoSignups,
        Msg::AssignVolunteer,
        Msg::ChooseVolunteer,
        Msg::AssignButton,
        Msg::Unassign,
        Msg::BackToTasks,
        Msg::TaskNotFound,
        Msg::RejectForbidden,
        Msg::RejectInvalid,
        Msg::RejectNotFound,
        Msg::RejectAlreadyExists,
        Msg::RejectTaskNotOpen,
        Msg::RejectNotEligible,
        Msg::RejectTaskFull,
        Msg::NoticeStorageFull,
        Msg::NoticeSignedOut,
        Msg::Dismiss,
        Msg::NavProfile,
        Msg::ProfileTitle,
        Msg::ProfileAvailability,
        Msg::ProfileAvailabilityHint,
        Msg::Morning,
        Msg::Afternoon,
        Msg::Evening,
        Msg::MaxHours,
        Msg::ProfileLanguages,
        Msg::ProfileSkills,
        Msg::CertificateValidUntil,
        Msg::CertificateExpired,
        Msg::CertificateUnverified,
        Msg::Save,
        Msg::SavedLocally,
        Msg::ForMe,
        Msg::NotForMe,
        Msg::ScheduleTitle,
        Msg::Upcoming,
        Msg::Past,
        Msg::DevicesTitle,
        Msg::NavDevices,
        Msg::DevicesNeedNetwork,
        Msg::RevokeDevice,
        Msg::DeviceRevoked,
        Msg::ThisDevice,
        Msg::LastSeen,
        Msg::NeverSeen,
        Msg::EditTask,
        Msg::CancelTask,
        Msg::CancelTaskConfirm,
        Msg::TaskCancelled,
        Msg::TaskStatusCancelled,
        Msg::NoticesTitle,
        Msg::NoticeToTask,
        Msg::NoticeToVillage,
        Msg::SendNotice,
        Msg::NoticeSent,
        Msg::BoardTitle,
        Msg::NavBoard,
        Msg::BoardUnfilled,
        Msg::BoardWaitlists,
        Msg::BoardOverHours,
        Msg::BoardConflicts,
        Msg::NavBeneficiaries,
        Msg::NavNewTask,
        Msg::NavCampaign,
        Msg::NavPlan,
        Msg::BeneficiariesTitle,
        Msg::SearchByName,
        Msg::FilterGroup,
        Msg::FilterFlag,
        Msg::FlagElderly,
        Msg::FlagLivesAlone,
        Msg::FlagEmptyNest,
        Msg::FlagDisabled,
        Msg::FlagLowIncome,
        Msg::FlagLeftBehindChild,
        Msg::AddBeneficiary,
        Msg::BirthYear,
        Msg::Needs,
        Msg::HealthNotes,
        Msg::PhoneLabel,
        Msg::NameLabel,
        Msg::ImportCsv,
        Msg::ExportCsv,
        Msg::NoBeneficiaries,
        Msg::Saved,
        Msg::TemplateLabel,
        Msg::TitleLabel,
        Msg::KindLabel,
        Msg::DateLabel,
        Msg::StartLabel,
        Msg::EndLabel,
        Msg::PlacesLabel,
        Msg::ForBeneficiary,
        Msg::NoBeneficiary,
        Msg::RepeatWeekly,
        Msg::RepeatCount,
        Msg::CreateTask,
        Msg::CampaignTitle,
        Msg::DateFrom,
        Msg::DateTo,
        Msg::CampaignCreate,
        Msg::SuggestionsTitle,
        Msg::NotEligibleTitle,
        Msg::PlanTitle,
        Msg::PlanWeek,
        Msg::PlanCompute,
        Msg::PlanApply,
        Msg::PlanDiscard,
        Msg::PlanAssignments,
        Msg::PlanUnfilled,
        Msg::PlanLoads,
        Msg::PlanFairness,
        Msg::PlanExact,
        Msg::PlanHeuristic,
        Msg::PlanNothing,
        Msg::VolunteersTitle,
        Msg::SearchVolunteers,
        Msg::ScoreColumn,
        Msg::WhereLabel,
        Msg::WhenLabel,
        Msg::AddressLabel,
        Msg::AddressOnceConfirmed,
        Msg::PersonServed,
        Msg::AlsoGoing,
        Msg::NobodyElseYet,
        Msg::CheckIn,
        Msg::CheckOut,
        Msg::CheckedIn,
        Msg::CheckedOut,
        Msg::PhoneClock,
        Msg::CheckInOpensSoon,
        Msg::VisitNote,
        Msg::VisitNoteHint,
        Msg::SaveNote,
        Msg::NoteSaved,
        Msg::FilterKind,
        Msg::FilterDay,
        Msg::FilterDistance,
        Msg::FilterAny,
        Msg::NoMatchingTasks,
        Msg::NavService,
        Msg::ThisMonth,
        Msg::AllTime,
        Msg::ByKind,
        Msg::ServiceRecordTitle,
        Msg::PrintRecord,
        Msg::NoServiceYet,
        Msg::DateColumn,
        Msg::TaskColumn,
        Msg::TimeColumn,
        Msg::DurationColumn,
        Msg::KindColumn,
        Msg::RemindersTitle,
        Msg::EnableNotifications,
        Msg::NotificationsOn,
        Msg::NotificationsBlocked,
        Msg::ServiceRecordsTitle,
        Msg::ReceivedByServer,
        Msg::NotYetSynced,
        Msg::VolunteerColumn,
        Msg::NoteColumn,
        Msg::PrintedOn,
        Msg::VillageLabel,
        Msg::NoUpcoming,
        Msg::ExportOne,
        Msg::ExportAll,
        Msg::NavSchedule,
        // Profile (exact hours, away dates, preferences) and large text.
        Msg::ExactHours,
        Msg::TimeFrom,
        Msg::TimeTo,
        Msg::AddTimeRange,
        Msg::Remove,
        Msg::NoTimeSet,
        Msg::ExactHoursHint,
        Msg::RangeEndBeforeStart,
        Msg::RangeOverlaps,
        Msg::RangeIncomplete,
        Msg::RangeNoRoom,
        Msg::FixTimesFirst,
        Msg::UnsavedChanges,
        Msg::AwayTitle,
        Msg::AwayHint,
        Msg::AwayFirstDay,
        Msg::AwayLastDay,
        Msg::AddAway,
        Msg::NoAwayDays,
        Msg::AwayLabel,
        Msg::ExtraTimeLabel,
        Msg::AwayDatesReversed,
        Msg::AwayNeedsFirstDay,
        Msg::ProfileTaskKinds,
        Msg::ProfileTaskKindsHint,
        Msg::LanguageMandarin,
        Msg::LanguageLocalDialect,
        Msg::LanguageCantonese,
        Msg::LanguageMinnan,
        Msg::LargeText,
        Msg::LargeTextLabel,
    ];

    fn has_han(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn english_strings_have_no_chinese_and_chinese_strings_do() {
        for msg in ALL {
            assert!(
                !has_han(msg.text(Lang::En)),
                "{msg:?} has Chinese in English"
            );
            assert!(
                has_han(msg.text(Lang::Zh)),
                "{msg:?} is not translated to Chinese"
            );
        }
    }

    #[test]
    fn dates_and_counts_read_naturally_in_both_languages() {
        let day = linli_core::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let start = day.and_hms_opt(9, 0, 0).expect("time");
        let end = day.and_hms_opt(10, 30, 0).expect("time");
        assert_eq!(when(Lang::Zh, start, end), "周二 12月1日 09:00–10:30");
        assert_eq!(when(Lang::En, start, end), "Tue 1 Dec 09:00–10:30");
        assert_eq!(
            waitlisted_notice(Lang::En, 2),
            "Task full: you are number 2 on the waiting list."
        );
        assert!(!has_han(&places_left(Lang::En, 1, 3)));
        assert!(has_han(&waitlisted_badge(Lang::Zh, Some(1))));
        assert_eq!(duration_text(Lang::Zh, 69), "1 小时 9 分");
        assert_eq!(duration_text(Lang::En, 45), "45 min");
        assert_eq!(hours_text(Lang::En, 90), "1.5 hours");
        assert_eq!(visits_text(Lang::En, 1), "1 visit");
        assert_eq!(date_time(Lang::En, start), "1 Dec 09:00");
        for text in [within_km(Lang::En, 3), pending_hours_text(Lang::En, 30)] {
            assert!(!has_han(&text), "{text}");
        }
    }

    #[test]
    fn language_switch_label_is_written_in_the_target_language() {
        assert_eq!(Msg::SwitchLanguage.text(Lang::Zh), "English");
        assert!(has_han(Msg::SwitchLanguage.text(Lang::En)));
    }

    #[test]
    fn stored_tag_round_trips_and_unknown_falls_back_to_chinese() {
        for lang in [Lang::Zh, Lang::En] {
            assert_eq!(Lang::from_tag(Some(lang.tag())), lang);
        }
        assert_eq!(Lang::from_tag(None), Lang::Zh);
        assert_eq!(Lang::from_tag(Some("fr")), Lang::Zh);
        assert_eq!(Lang::Zh.other(), Lang::En);
    }
}
