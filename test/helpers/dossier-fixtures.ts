/**
 * A hand-worked dossier file (issue 15). "Now" is 10 April 2026, 10:00 in Vietnam.
 * MOTCUA, returned in March: #1 and #2 by their due day (#2 on the evening of it), #3 three days late, #7 due in
 * February and returned on 2 March. Open: #5 due 5 April (late by now, counted in April), #6 due 20 April (not
 * counted yet). SGD's own #4 is returned on time in March. #1 was rated through a survey answer.
 * So MOTCUA: March 4 dossiers, 2 on time; April 1, 0 on time; in all 5 and 2 (40%). SGD's subtree: March 5 and 3,
 * April 1 and 0; in all 6 and 3 (50%).
 */
export const DOSSIER_NOW = new Date('2026-04-10T03:00:00Z');
export const DOSSIER_HEADER = 'dossier_code,procedure_code,procedure_name,unit_code,received_at,due_at,returned_at,channel,apology_sent';
export const DOSSIER_FILE = [
  DOSSIER_HEADER,
  'HS-1,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-02,2026-03-06,2026-03-05,direct,false',
  'HS-2,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-02,2026-03-06,2026-03-06T23:00,online,false',
  'HS-3,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-02,2026-03-06,2026-03-09,online,true',
  'HS-4,TTHC-CN,Công nhận trường đạt chuẩn,SGD,2026-03-10,2026-03-30,2026-03-28,postal,false',
  'HS-5,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-30,2026-04-05,,direct,false',
  'HS-6,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-04-08,2026-04-20,,direct,false',
  'HS-7,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-02-20,2026-02-27,2026-03-02,direct,true',
].join('\n');
