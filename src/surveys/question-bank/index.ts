import type { InstrumentDefinition } from '../instrument.types';
import { educationInstruments } from './education';
import { tthcInstruments } from './tthc';

/** Every instrument the platform can publish; survey keys are unique across the bank. */
export const QUESTION_BANK: readonly InstrumentDefinition[] = [...educationInstruments, ...tthcInstruments];

export function findInstrument(key: string): InstrumentDefinition | undefined {
  return QUESTION_BANK.find((instrument) => instrument.key === key);
}
