import type { InstrumentDefinition, RatingQuestion, Section } from '../instrument.types';

/**
 * Administrative-procedure (TTHC) instruments: the full SIPAS questionnaire of the Ministry of Home Affairs, and the
 * three-level quick rating that Decree 61/2018 / Circular 01/2018 (now Decree 118/2025 / Circular 03/2025) foresee at
 * the one-stop desk. Respondents have already finished their procedure, hence the English past tense.
 */

function q(key: string, vi: string, en: string): RatingQuestion {
  return { key, text: { vi, en } };
}

function section(key: string, vi: string, en: string, questions: RatingQuestion[]): Section {
  return { key, title: { vi, en }, questions };
}

const SIPAS_SECTIONS: Section[] = [
  section('access', 'Tiếp cận dịch vụ hành chính công', 'Access to public administrative services', [
    q('access_location', 'Nơi tiếp nhận hồ sơ dễ tìm, thuận tiện', 'The place for submitting dossiers was easy to find and convenient'),
    q('access_facilities', 'Chỗ ngồi chờ, trang thiết bị phục vụ đầy đủ', 'Waiting seats and equipment were adequate'),
    q('access_information', 'Thông tin về thủ tục dễ tìm hiểu, dễ tiếp cận', 'Information about the procedure was easy to obtain'),
  ]),
  section('procedure', 'Thủ tục hành chính', 'Administrative procedure', [
    q('procedure_public', 'Thủ tục hành chính được niêm yết công khai, đầy đủ', 'The procedure was publicly posted in full'),
    q('procedure_documents', 'Thành phần hồ sơ phải nộp đúng như quy định công khai', 'The documents required matched those published'),
    q('procedure_fees', 'Phí, lệ phí phải nộp đúng như quy định công khai', 'The fees and charges paid matched those published'),
    q('procedure_deadline', 'Thời hạn giải quyết đúng như quy định công khai', 'The processing time matched the published time limit'),
  ]),
  section('officials', 'Công chức trực tiếp giải quyết công việc', 'Officials who handled the case', [
    q('officials_polite', 'Công chức có thái độ lịch sự, tôn trọng', 'Officials were polite and respectful'),
    q(
      'officials_guidance',
      'Công chức hướng dẫn rõ ràng, chỉ một lần là hoàn thiện được hồ sơ',
      'Officials explained clearly enough to complete the dossier in one go',
    ),
    q('officials_no_harassment', 'Công chức không gây phiền hà, sách nhiễu', 'Officials caused no trouble or harassment'),
    q('officials_no_payment', 'Không phải chi thêm khoản tiền nào ngoài quy định', 'You paid nothing beyond the official fees'),
  ]),
  section('result', 'Kết quả cung ứng dịch vụ', 'Service result', [
    q('result_on_time', 'Kết quả được trả đúng ngày hẹn', 'The result was returned on the promised date'),
    q('result_correct', 'Kết quả chính xác, đầy đủ thông tin', 'The result was correct and complete'),
  ]),
  section('feedback', 'Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị', 'Receiving and handling feedback, complaints and suggestions', [
    q('feedback_easy', 'Dễ dàng gửi góp ý, phản ánh, kiến nghị', 'Giving feedback, complaints or suggestions was easy'),
    q('feedback_prompt', 'Góp ý, phản ánh được tiếp nhận và trả lời kịp thời', 'Feedback was received and answered promptly'),
  ]),
];

export const tthcInstruments: InstrumentDefinition[] = [
  {
    key: 'tthc-sipas',
    kind: 'tthc',
    channel: 'form',
    respondent: 'citizen',
    title: {
      vi: 'Phiếu khảo sát sự hài lòng về việc giải quyết thủ tục hành chính',
      en: 'Satisfaction survey on the handling of administrative procedures',
    },
    intro: {
      vi: 'Phiếu khảo sát ẩn danh, chỉ mất khoảng một phút. Với mỗi nội dung, hãy chọn từ 1 (rất không hài lòng) đến 5 (rất hài lòng).',
      en: 'This survey is anonymous and takes about a minute. For each item, choose from 1 (very dissatisfied) to 5 (very satisfied).',
    },
    scale: 5,
    sections: SIPAS_SECTIONS,
    overall: q(
      'overall',
      'Mức độ hài lòng chung về việc giải quyết thủ tục hành chính tại Sở Giáo dục và Đào tạo',
      'Overall satisfaction with how the procedure was handled at the Department of Education and Training',
    ),
    comment: true,
    contactAllowed: true,
    // Optional so that nobody is turned away, yet a dossier that is given can be rated only once.
    dossierCode: 'optional',
  },
  {
    key: 'tthc-quick',
    kind: 'tthc',
    // A shared tablet at the desk: nothing typed, nothing personal, so no comment, contact or dossier code.
    channel: 'kiosk',
    respondent: 'citizen',
    title: { vi: 'Đánh giá nhanh mức độ hài lòng', en: 'Quick satisfaction rating' },
    intro: {
      vi: 'Đánh giá ẩn danh, chưa đến một phút. Hãy chọn Không hài lòng, Hài lòng hoặc Rất hài lòng.',
      en: 'This rating is anonymous and takes under a minute. Choose Dissatisfied, Satisfied or Very satisfied.',
    },
    scale: 3,
    sections: [
      section('service', 'Dịch vụ hành chính công', 'Public administrative service', [
        q('ease', 'Mức độ thuận tiện khi sử dụng dịch vụ', 'Ease of using the service'),
      ]),
    ],
    overall: q('overall', 'Đánh giá chung', 'Overall assessment'),
    comment: false,
    contactAllowed: false,
    dossierCode: 'none',
  },
];
