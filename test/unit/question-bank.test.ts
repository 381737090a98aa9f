import { KEY_PATTERN, type InstrumentDefinition, type Localized, type RatingQuestion } from '../../src/surveys/instrument.types';
import { QUESTION_BANK, findInstrument } from '../../src/surveys/question-bank';

const EDUCATION_SECTIONS = ['access', 'facilities', 'environment', 'activities', 'outcomes'];
const SIPAS_SECTIONS = ['access', 'procedure', 'officials', 'result', 'feedback'];
/** Beyond this a question wraps onto a third line on a 360 px phone screen. */
const MAX_QUESTION_CHARS = 90;

function allQuestions(instrument: InstrumentDefinition): RatingQuestion[] {
  return [...instrument.sections.flatMap((s) => s.questions), instrument.overall];
}

function allTexts(instrument: InstrumentDefinition): Array<[where: string, text: Localized]> {
  return [
    ['title', instrument.title],
    ['intro', instrument.intro],
    ...instrument.sections.map((s): [string, Localized] => [`section ${s.key}`, s.title]),
    ...allQuestions(instrument).map((q): [string, Localized] => [`question ${q.key}`, q.text]),
  ];
}

const byKey = (key: string): InstrumentDefinition => {
  const instrument = findInstrument(key);
  if (!instrument) throw new Error(`instrument ${key} is missing`);
  return instrument;
};

const education = QUESTION_BANK.filter((i) => i.kind === 'education');
const cases = QUESTION_BANK.map((i) => [i.key, i] as const);

describe('question bank', () => {
  it('when the bank is loaded, then it holds 8 instruments with unique keys', () => {
    const keys = QUESTION_BANK.map((i) => i.key);
    expect(keys).toHaveLength(8);
    expect(new Set(keys).size).toBe(8);
    expect(keys.sort()).toEqual(
      [
        'edu-learner-gdtx',
        'edu-parent-mamnon',
        'edu-parent-thcs',
        'edu-parent-thpt',
        'edu-parent-tieuhoc',
        'edu-pupil-thpt',
        'tthc-quick',
        'tthc-sipas',
      ].sort(),
    );
  });

  it('when looking up a known or unknown key, then findInstrument returns it or undefined', () => {
    expect(findInstrument('tthc-sipas')?.key).toBe('tthc-sipas');
    expect(findInstrument('no-such-survey')).toBeUndefined();
  });

  describe.each(cases)('%s', (_key, instrument) => {
    it('when its question keys are read, then each matches KEY_PATTERN and is unique', () => {
      const keys = allQuestions(instrument).map((q) => q.key);
      for (const key of keys) expect(key).toMatch(KEY_PATTERN);
      expect(new Set(keys).size).toBe(keys.length);
      expect(instrument.overall.key).toBe('overall');
    });

    it('when its section keys are read, then each matches KEY_PATTERN and is unique', () => {
      const keys = instrument.sections.map((s) => s.key);
      for (const key of keys) expect(key).toMatch(KEY_PATTERN);
      expect(new Set(keys).size).toBe(keys.length);
      for (const s of instrument.sections) expect(s.questions.length).toBeGreaterThan(0);
    });

    it('when its texts are read, then vi and en are non-empty, trimmed and different', () => {
      for (const [where, text] of allTexts(instrument)) {
        for (const value of [text.vi, text.en]) {
          expect({ where, value: value.trim() }).toEqual({ where, value });
          expect(value.length).toBeGreaterThan(0);
        }
        expect({ where, same: text.vi === text.en }).toEqual({ where, same: false });
      }
    });

    it(`when shown on a phone, then each Vietnamese question has at most ${MAX_QUESTION_CHARS} characters`, () => {
      for (const q of allQuestions(instrument)) {
        expect({ key: q.key, tooLong: q.text.vi.length > MAX_QUESTION_CHARS }).toEqual({ key: q.key, tooLong: false });
      }
    });
  });

  describe.each(education.map((i) => [i.key, i] as const))('%s', (_key, instrument) => {
    it('when it is an education instrument, then it has the five Ministry areas in order', () => {
      expect(instrument.sections.map((s) => s.key)).toEqual(EDUCATION_SECTIONS);
    });

    it('when it is an education instrument, then every question key starts with its section key', () => {
      for (const s of instrument.sections) {
        for (const q of s.questions) expect(q.key.startsWith(`${s.key}_`)).toBe(true);
      }
    });

    it('when it is an education instrument, then it is a 5-level web form with comments and no dossier code', () => {
      expect(instrument).toMatchObject({ channel: 'form', scale: 5, comment: true, dossierCode: 'none' });
      expect(instrument.level).toBeDefined();
    });
  });

  it('when the instrument is tthc-sipas, then it has the five SIPAS elements in order', () => {
    const sipas = byKey('tthc-sipas');
    expect(sipas.sections.map((s) => s.key)).toEqual(SIPAS_SECTIONS);
    for (const s of sipas.sections) {
      for (const q of s.questions) expect(q.key.startsWith(`${s.key}_`)).toBe(true);
    }
  });

  it('when the respondent is a pupil, then contact details are never offered', () => {
    const pupils = QUESTION_BANK.filter((i) => i.respondent === 'pupil');
    expect(pupils.length).toBeGreaterThan(0);
    for (const i of pupils) expect(i.contactAllowed).toBe(false);
  });

  it('when the channel is kiosk, then the scale has 3 levels and there is no comment', () => {
    const kiosks = QUESTION_BANK.filter((i) => i.channel === 'kiosk');
    expect(kiosks.map((i) => i.key)).toEqual(['tthc-quick']);
    for (const i of kiosks) {
      expect(i.scale).toBe(3);
      expect(i.comment).toBe(false);
    }
  });

  it('when dossier codes are considered, then only tthc-sipas asks for one', () => {
    expect(QUESTION_BANK.filter((i) => i.dossierCode === 'optional').map((i) => i.key)).toEqual(['tthc-sipas']);
  });
});
