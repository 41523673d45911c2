//! Word lists for the demo village. Fixed arrays (never reordered) so output stays stable.

pub(super) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "沈",
    "姚", "卢", "姜", "钟", "陆", "汪", "范", "金", "石", "方", "邵", "钱", "俞", "楼",
];

pub(super) const ELDER_FEMALE: &[&str] = &[
    "秀英", "桂英", "玉兰", "秀兰", "凤英", "淑珍", "美华", "翠花", "桂兰", "金凤", "秀珍", "兰英",
    "月娥", "阿娣", "彩凤", "菊芬", "杏娟", "银花",
];

pub(super) const ELDER_MALE: &[&str] = &[
    "建国", "国强", "德明", "振华", "福生", "长根", "根生", "志刚", "宝林", "友才", "金水", "洪发",
    "阿土", "树林", "永康", "水根", "荣发", "德兴",
];

pub(super) const ADULT_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "丽华", "晓燕", "春梅", "海燕", "雪梅",
    "慧敏", "佳怡", "思琪", "雨婷", "欣然", "梦瑶",
];

pub(super) const ADULT_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "建华", "海峰", "志强",
    "俊杰", "浩然", "宇航", "子豪", "文博", "晨阳",
];

pub(super) const CHILD: &[&str] = &[
    "子涵", "梓轩", "一诺", "雨桐", "浩宇", "欣怡", "子轩", "可馨", "诗涵", "俊熙", "沐阳", "若汐",
];

pub(super) const MOBILE_PREFIXES: &[&str] = &[
    "138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "182", "187", "188",
    "130", "131", "132", "155", "156", "186", "133", "153", "180", "189", "177",
];

pub(super) const OTHER_DIALECTS: &[&str] = &["粤语", "闽南话", "四川话", "客家话"];

pub(super) const HEALTH_NOTES: &[&str] = &[
    "高血压，按时服药",
    "糖尿病，注意饮食",
    "行动不便，需助行器",
    "听力较差，说话请大声些",
    "轻度认知障碍，家属已知情",
    "心脏支架术后，避免劳累",
    "腿脚不便，上下楼需搀扶",
    "视力较差",
    "身体状况良好",
];

pub(super) const ELDER_RELATIONS: &[&str] = &["儿子", "女儿", "儿媳", "侄子", "外甥女", "邻居"];
pub(super) const CHILD_RELATIONS: &[&str] = &["母亲", "父亲", "祖母", "祖父"];

/// Chinese numeral for 1..=99 (一, 十二, 二十); larger numbers fall back to digits.
pub(super) fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

/// Festivals on which elders get a visit (公历 dates of lunar festivals looked up per year).
pub(super) const FESTIVALS: &[((i32, u32, u32), &str)] = &[
    ((2025, 10, 6), "中秋"),
    ((2025, 10, 29), "重阳"),
    ((2025, 12, 21), "冬至"),
    ((2026, 1, 1), "元旦"),
    ((2026, 2, 17), "春节"),
    ((2026, 3, 3), "元宵"),
    ((2026, 9, 25), "中秋"),
    ((2026, 10, 18), "重阳"),
    ((2026, 12, 22), "冬至"),
    ((2027, 1, 1), "元旦"),
    ((2027, 2, 6), "春节"),
    ((2027, 2, 20), "元宵"),
    ((2027, 9, 15), "中秋"),
    ((2027, 10, 8), "重阳"),
    ((2027, 12, 22), "冬至"),
    ((2028, 1, 1), "元旦"),
    ((2028, 1, 26), "春节"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers() {
        assert_eq!(chinese_number(3), "三");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(20), "二十");
        assert_eq!(chinese_number(35), "三十五");
        assert_eq!(chinese_number(120), "120");
    }
}
