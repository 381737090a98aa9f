import type { InstrumentDefinition, Localized, RatingQuestion, Respondent, SchoolLevel, Section } from '../instrument.types';

/**
 * Education-service questionnaires after the Ministry of Education's method: five areas, an overall question and
 * free comments, one questionnaire per school level and respondent type. The 2013 scheme's exact 24 criteria are
 * unverified, so the items below follow its areas and size, not its wording.
 *
 * The six questionnaires share most wording; only the voice (who the answers are about) and a few level-specific
 * items change, so they are generated from the VARIANTS table rather than written out six times.
 */

type EducationRespondent = Extract<Respondent, 'parent' | 'pupil' | 'learner'>;

interface Variant {
  respondent: EducationRespondent;
  level: SchoolLevel;
  /** Completes "Phiếu khảo sát sự hài lòng của …" / "Satisfaction survey for …". */
  audience: Localized;
  /** Only pupils are children; the law forbids asking them for identifying data. */
  contactAllowed: boolean;
}

const VARIANTS: readonly Variant[] = [
  {
    respondent: 'parent',
    level: 'mamnon',
    audience: { vi: 'cha mẹ trẻ mầm non', en: 'parents of preschool children' },
    contactAllowed: true,
  },
  {
    respondent: 'parent',
    level: 'tieuhoc',
    audience: { vi: 'cha mẹ học sinh tiểu học', en: 'parents of primary pupils' },
    contactAllowed: true,
  },
  {
    respondent: 'parent',
    level: 'thcs',
    audience: { vi: 'cha mẹ học sinh trung học cơ sở', en: 'parents of lower-secondary pupils' },
    contactAllowed: true,
  },
  {
    respondent: 'parent',
    level: 'thpt',
    audience: { vi: 'cha mẹ học sinh trung học phổ thông', en: 'parents of upper-secondary pupils' },
    contactAllowed: true,
  },
  {
    respondent: 'pupil',
    level: 'thpt',
    audience: { vi: 'học sinh trung học phổ thông', en: 'upper-secondary pupils' },
    contactAllowed: false,
  },
  {
    respondent: 'learner',
    level: 'gdtx',
    audience: { vi: 'học viên giáo dục thường xuyên', en: 'continuing-education learners' },
    contactAllowed: true,
  },
];

/** How a questionnaire refers to the person whose schooling is rated and to the institution. */
interface Voice {
  /** Parents answer about their child ("con"); pupils and learners about themselves. */
  who: Localized;
  /** English possessive of `who` ("your child's" / "your"). */
  whoseEn: string;
  /** English "to be" agreeing with `who`. */
  beEn: 'is' | 'are';
  /** Pupils call their teachers "thầy cô"; parents and adult learners say "giáo viên". */
  teachers: string;
  institution: Localized;
  /** "ở trường" / "at school" — English drops the article for schools but not for centres. */
  atSite: Localized;
  site: Localized;
}

interface Ctx extends Voice {
  respondent: EducationRespondent;
  level: SchoolLevel;
  preschool: boolean;
}

const PEOPLE: Record<EducationRespondent, Pick<Voice, 'who' | 'whoseEn' | 'beEn' | 'teachers'>> = {
  parent: { who: { vi: 'con', en: 'your child' }, whoseEn: "your child's", beEn: 'is', teachers: 'giáo viên' },
  pupil: { who: { vi: 'em', en: 'you' }, whoseEn: 'your', beEn: 'are', teachers: 'thầy cô' },
  learner: { who: { vi: 'anh/chị', en: 'you' }, whoseEn: 'your', beEn: 'are', teachers: 'giáo viên' },
};

const SCHOOL = {
  institution: { vi: 'nhà trường', en: 'the school' },
  atSite: { vi: 'ở trường', en: 'at school' },
  site: { vi: 'trường', en: 'the school' },
} satisfies Pick<Voice, 'institution' | 'atSite' | 'site'>;

const CENTRE = {
  institution: { vi: 'trung tâm', en: 'the centre' },
  atSite: { vi: 'ở trung tâm', en: 'at the centre' },
  site: { vi: 'trung tâm', en: 'the centre' },
} satisfies Pick<Voice, 'institution' | 'atSite' | 'site'>;

/** A level-specific item phrased as what happens to `who`: "Con được …" / "Your child is …". */
interface Predicate {
  key: string;
  vi: string;
  /** Follows "<who> is/are". */
  en: string;
}

/** Guidance suited to the level: habits in primary, next steps after grade 9, careers later on. */
const GUIDANCE: Partial<Record<SchoolLevel, Predicate>> = {
  tieuhoc: {
    key: 'activities_life_skills',
    vi: 'được rèn kỹ năng sống, thói quen tốt',
    en: 'taught life skills and good habits',
  },
  thcs: {
    key: 'activities_guidance',
    vi: 'được tư vấn chọn hướng học tiếp sau lớp 9',
    en: 'advised on what to study after grade 9',
  },
  thpt: {
    key: 'activities_guidance',
    vi: 'được tư vấn hướng nghiệp, chọn ngành phù hợp',
    en: 'given career guidance and help choosing a field of study',
  },
  gdtx: {
    key: 'activities_guidance',
    vi: 'được tư vấn hướng nghiệp, việc làm hữu ích',
    en: 'given useful career and job advice',
  },
};

/** The outcome each level is judged by at its end. */
const MILESTONE: Partial<Record<SchoolLevel, Predicate>> = {
  tieuhoc: {
    key: 'outcomes_basics',
    vi: 'đọc, viết, tính toán thành thạo, đạt yêu cầu của lớp',
    en: 'confident in reading, writing and arithmetic for their grade',
  },
  thcs: {
    key: 'outcomes_readiness',
    vi: 'được chuẩn bị tốt để học tiếp THPT hoặc học nghề',
    en: 'well prepared for upper secondary or vocational training',
  },
  thpt: {
    key: 'outcomes_readiness',
    vi: 'được chuẩn bị tốt cho kỳ thi tốt nghiệp THPT',
    en: 'well prepared for the upper-secondary graduation exam',
  },
  gdtx: {
    key: 'outcomes_goals',
    vi: 'đang đạt được mục tiêu học tập của mình',
    en: 'on track to reach your learning goals',
  },
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function q(key: string, vi: string, en: string): RatingQuestion {
  return { key, text: { vi, en } };
}

function aboutWho(c: Ctx, p: Predicate): RatingQuestion {
  return q(p.key, `${capitalize(c.who.vi)} ${p.vi}`, `${capitalize(c.who.en)} ${c.beEn} ${p.en}`);
}

function accessQuestions(c: Ctx): RatingQuestion[] {
  const contact =
    c.respondent === 'pupil'
      ? q('access_contact', 'Em dễ dàng gặp, trao đổi với thầy cô khi cần', 'You can easily meet and talk with teachers when needed')
      : q(
          'access_contact',
          `Dễ dàng liên hệ với ${c.institution.vi} và giáo viên khi cần`,
          `It is easy to contact ${c.institution.en} and teachers when needed`,
        );
  const location =
    c.respondent === 'parent'
      ? q(
          'access_location',
          'Vị trí của trường thuận tiện cho việc đưa đón con',
          'The location of the school is convenient for dropping off and picking up your child',
        )
      : q('access_location', `Vị trí của ${c.site.vi} thuận tiện cho việc đi lại`, `The location of ${c.site.en} is convenient to get to`);
  const paperwork =
    c.level === 'gdtx'
      ? q('access_paperwork', 'Thủ tục nhập học, đăng ký lớp học được hướng dẫn rõ ràng', 'Guidance on enrolment and course registration is clear')
      : q('access_paperwork', 'Thủ tục nhập học, chuyển trường được hướng dẫn rõ ràng', 'Guidance on enrolment and school transfer is clear');
  return [
    q('access_info', 'Thông tin tuyển sinh, kế hoạch năm học được công khai kịp thời', 'Admission information and the school-year plan are published on time'),
    contact,
    paperwork,
    location,
    // Public-school tuition is largely waived from 2025–2026, so the item covers all charges and support, not tuition.
    q('access_fees', 'Các khoản thu và chế độ miễn, giảm, hỗ trợ được công khai rõ ràng', 'Charges, exemptions and support schemes are published clearly'),
  ];
}

function facilitiesQuestions(c: Ctx): RatingQuestion[] {
  const equipment = c.preschool
    ? q('facilities_equipment', 'Đồ dùng, đồ chơi đầy đủ, phù hợp với lứa tuổi', 'Learning materials and toys are adequate and age-appropriate')
    : q('facilities_equipment', 'Bàn ghế, thiết bị dạy học đầy đủ, phù hợp', 'Desks, chairs and teaching equipment are adequate and suitable');
  let grounds: RatingQuestion;
  if (c.preschool) {
    grounds = q('facilities_grounds', 'Sân chơi, đồ chơi ngoài trời an toàn cho trẻ', 'The playground and outdoor toys are safe for children');
  } else if (c.level === 'gdtx') {
    // For adult learners a safe place to park matters more than a sports ground.
    grounds = q('facilities_grounds', 'Sân, khu để xe đủ rộng, an toàn', 'The grounds and parking area are spacious and safe');
  } else {
    grounds = q('facilities_grounds', 'Sân trường, sân tập thể dục thể thao đủ rộng, an toàn', 'The schoolyard and sports ground are spacious and safe');
  }
  const rooms = c.preschool
    ? q('facilities_kitchen', 'Bếp ăn sạch sẽ, bảo đảm an toàn thực phẩm', 'The kitchen is clean and meets food-safety standards')
    : q('facilities_library', 'Thư viện, phòng chức năng đáp ứng nhu cầu học tập', 'The library and specialist rooms meet learning needs');
  return [
    q('facilities_classroom', 'Phòng học rộng rãi, thoáng mát, đủ ánh sáng', 'Classrooms are spacious, airy and well lit'),
    equipment,
    grounds,
    q('facilities_sanitation', 'Nhà vệ sinh sạch sẽ, đủ nước sạch', 'Toilets are clean, with enough clean water'),
    rooms,
  ];
}

function environmentQuestions(c: Ctx): RatingQuestion[] {
  const safety =
    c.respondent === 'parent'
      ? q('environment_safety', `Con được bảo đảm an toàn khi ${c.atSite.vi}`, `Your child is kept safe ${c.atSite.en}`)
      : q('environment_safety', `${capitalize(c.who.vi)} cảm thấy an toàn khi ${c.atSite.vi}`, `You feel safe ${c.atSite.en}`);
  if (c.preschool) {
    return [
      safety,
      q('environment_teachers', 'Giáo viên yêu thương, gần gũi với con', 'Teachers are loving and close to your child'),
      q('environment_friends', 'Con hòa đồng, chơi vui với các bạn trong lớp', 'Your child gets along and plays happily with classmates'),
      // Harsh treatment of small children is the preschool form of school violence, and what parents fear most.
      q('environment_no_violence', 'Trẻ được đối xử nhẹ nhàng, không bị quát mắng, đánh phạt', 'Children are treated gently, never shouted at or smacked'),
      q('environment_green', 'Khuôn viên trường xanh, sạch, đẹp', 'The school grounds are green, clean and pleasant'),
    ];
  }
  return [
    safety,
    q('environment_teachers', `${capitalize(c.teachers)} quan tâm, đối xử công bằng với ${c.who.vi}`, `Teachers are caring and treat ${c.who.en} fairly`),
    q(
      'environment_friends',
      `${c.respondent === 'learner' ? 'Các học viên' : 'Bạn bè'} trong lớp thân thiện, đoàn kết, giúp đỡ nhau`,
      'Classmates are friendly, united and help each other',
    ),
    q(
      'environment_no_violence',
      `${capitalize(c.institution.vi)} làm tốt việc phòng, chống bạo lực, bắt nạt`,
      `${capitalize(c.institution.en)} works effectively to prevent violence and bullying`,
    ),
    q('environment_discipline', 'Nề nếp, kỷ luật được duy trì tốt', 'Order and discipline are well maintained'),
  ];
}

function activitiesQuestions(c: Ctx): RatingQuestion[] {
  const dialogue =
    c.respondent === 'parent'
      ? q('activities_dialogue', 'Giáo viên thường xuyên trao đổi với gia đình về con', 'Teachers keep the family regularly informed about your child')
      : q('activities_dialogue', `${capitalize(c.teachers)} lắng nghe, tôn trọng ý kiến của ${c.who.vi}`, 'Teachers listen to and respect your opinions');
  if (c.preschool) {
    return [
      q('activities_care', 'Con được chăm sóc chu đáo trong sinh hoạt hằng ngày', 'Your child is well looked after in daily routines'),
      q('activities_meals', 'Bữa ăn của con đủ chất, hợp khẩu vị, bảo đảm vệ sinh', "Your child's meals are nutritious, tasty and hygienic"),
      q('activities_health', 'Sức khỏe của con được theo dõi, khám định kỳ', "Your child's health is monitored, with regular check-ups"),
      q('activities_play', 'Con được học qua vui chơi, phù hợp với độ tuổi', 'Your child learns through play suited to their age'),
      dialogue,
    ];
  }
  const questions = [
    q('activities_teaching', `${capitalize(c.teachers)} giảng bài dễ hiểu, nhiệt tình`, 'Teachers explain lessons clearly and enthusiastically'),
    aboutWho(c, {
      key: 'activities_support',
      vi: 'được hỗ trợ kịp thời khi gặp khó khăn trong học tập',
      en: 'helped promptly with learning difficulties',
    }),
    q('activities_assessment', 'Kiểm tra, đánh giá công bằng, khách quan', 'Tests and assessment are fair and objective'),
    c.level === 'gdtx'
      ? q('activities_schedule', 'Lịch học linh hoạt, phù hợp với điều kiện của anh/chị', 'Class times are flexible and fit your circumstances')
      : q('activities_extracurricular', 'Hoạt động trải nghiệm, ngoại khóa bổ ích', 'Hands-on and extracurricular activities are worthwhile'),
  ];
  const guidance = GUIDANCE[c.level];
  if (guidance) questions.push(aboutWho(c, guidance));
  questions.push(dialogue);
  return questions;
}

function outcomesQuestions(c: Ctx): RatingQuestion[] {
  if (c.preschool) {
    return [
      q('outcomes_health', 'Con khỏe mạnh, phát triển tốt về thể chất', 'Your child is healthy and growing well'),
      q('outcomes_development', 'Con tiến bộ về ngôn ngữ, nhận thức, giao tiếp', 'Your child is progressing in language, thinking and social skills'),
      q('outcomes_habits', 'Con có thói quen tự phục vụ, vệ sinh cá nhân tốt', 'Your child has good self-care and hygiene habits'),
      q('outcomes_happy', 'Con vui vẻ, thích đi học', 'Your child is happy and likes going to school'),
    ];
  }
  const whose = capitalize(c.whoseEn);
  const questions = [
    q('outcomes_knowledge', `Kiến thức của ${c.who.vi} tiến bộ rõ rệt`, `${whose} knowledge has clearly improved`),
    q('outcomes_skills', `Kỹ năng giao tiếp, tự học của ${c.who.vi} được nâng lên`, `${whose} communication and self-study skills have improved`),
    // Rating an adult's "moral character" would be patronising; adult learners judge whether the course is useful.
    c.level === 'gdtx'
      ? q('outcomes_usefulness', 'Kiến thức học được giúp ích cho công việc, cuộc sống', 'What you learn helps in your work and life')
      : q('outcomes_character', `Phẩm chất, đạo đức của ${c.who.vi} được rèn luyện tốt`, `${whose} character and values are well nurtured`),
    q('outcomes_motivation', `Sự tự tin, hứng thú học tập của ${c.who.vi} tăng lên`, `${whose} confidence and interest in learning have grown`),
  ];
  const milestone = MILESTONE[c.level];
  if (milestone) questions.push(aboutWho(c, milestone));
  return questions;
}

function sectionTitles(preschool: boolean): Record<string, Localized> {
  // Domain.md: preschool renames three areas to "chăm sóc, giáo dục trẻ" (care and education of children).
  return {
    access: { vi: 'Tiếp cận dịch vụ giáo dục', en: 'Access to education services' },
    facilities: { vi: 'Cơ sở vật chất, trang thiết bị', en: 'Facilities and equipment' },
    environment: preschool
      ? { vi: 'Môi trường chăm sóc, giáo dục trẻ', en: 'Care and education environment' }
      : { vi: 'Môi trường giáo dục', en: 'Educational environment' },
    activities: preschool
      ? { vi: 'Hoạt động chăm sóc, giáo dục trẻ', en: 'Care and education activities' }
      : { vi: 'Hoạt động giáo dục', en: 'Educational activities' },
    outcomes: preschool ? { vi: 'Kết quả chăm sóc, giáo dục trẻ', en: 'Care and education outcomes' } : { vi: 'Kết quả giáo dục', en: 'Educational outcomes' },
  };
}

const SECTION_BUILDERS: ReadonlyArray<[key: string, build: (c: Ctx) => RatingQuestion[]]> = [
  ['access', accessQuestions],
  ['facilities', facilitiesQuestions],
  ['environment', environmentQuestions],
  ['activities', activitiesQuestions],
  ['outcomes', outcomesQuestions],
];

function buildSections(c: Ctx): Section[] {
  const titles = sectionTitles(c.preschool);
  return SECTION_BUILDERS.map(([key, build]) => {
    const title = titles[key];
    if (!title) throw new Error(`No title for education section ${key}`);
    return { key, title, questions: build(c) };
  });
}

function intro(respondent: EducationRespondent): Localized {
  const scale = 'từ 1 (rất không hài lòng) đến 5 (rất hài lòng).';
  const scaleEn = 'For each item, choose from 1 (very dissatisfied) to 5 (very satisfied).';
  // Pupils are told outright that no name is asked: they are the ones most likely to fear being identified.
  return respondent === 'pupil'
    ? {
        vi: `Phiếu khảo sát ẩn danh (em không cần ghi tên), chỉ mất khoảng một phút. Với mỗi nội dung, em hãy chọn ${scale}`,
        en: `This survey is anonymous (you do not give your name) and takes about a minute. ${scaleEn}`,
      }
    : {
        vi: `Phiếu khảo sát ẩn danh, chỉ mất khoảng một phút. Với mỗi nội dung, hãy chọn ${scale}`,
        en: `This survey is anonymous and takes about a minute. ${scaleEn}`,
      };
}

function buildInstrument(v: Variant): InstrumentDefinition {
  const c: Ctx = {
    ...PEOPLE[v.respondent],
    ...(v.level === 'gdtx' ? CENTRE : SCHOOL),
    respondent: v.respondent,
    level: v.level,
    preschool: v.level === 'mamnon',
  };
  return {
    key: `edu-${v.respondent}-${v.level}`,
    kind: 'education',
    channel: 'form',
    respondent: v.respondent,
    level: v.level,
    title: {
      vi: `Phiếu khảo sát sự hài lòng của ${v.audience.vi}`,
      en: `Satisfaction survey for ${v.audience.en}`,
    },
    intro: intro(v.respondent),
    scale: 5,
    sections: buildSections(c),
    overall: q('overall', `Mức độ hài lòng chung đối với ${c.institution.vi}`, `Overall satisfaction with ${c.institution.en}`),
    comment: true,
    contactAllowed: v.contactAllowed,
    dossierCode: 'none',
  };
}

export const educationInstruments: InstrumentDefinition[] = VARIANTS.map(buildInstrument);
