import type { Models } from '../models';
import type { Settles } from '../projector/ports';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import type { Unit } from '../units/unit.model';
import { unitsByCode } from '../units/unit-directory';
import { openRange, unitFigures, type OpenFigure, type OpenKind, type OpenRange } from './open-data';
import { isPublished, publishedRoots } from './published-units';
import type { TrendPoint } from './trend-svg';

/** How old a public figure may be (issue #27: at most 5 minutes, and the page says so). */
export const FRESH_MS = 5 * 60_000;
/**
 * From this age on, a unit's figures are computed again in the background while the ones held go on being served:
 * a crowd never waits for the recount (seconds at 500 units), and a figure is still never older than FRESH_MS
 * (a recount that has not finished by then is waited for).
 */
export const REFRESH_MS = FRESH_MS - 60_000;
/** How many units' figures one page computes at once: the database works while this process does the rule. */
const AT_ONCE = 4;
/** How long an instance goes on using the list of published units it read: a withdrawal is public within this. */
export const PUBLISHED_MS = 10_000;

export interface UnitFigures {
  unit: Unit;
  computedAt: Date;
  range: OpenRange;
  figures: OpenFigure[];
  /** each kind's months over the 12 months, for the trend */
  trends: Record<OpenKind, TrendPoint[]>;
}

/** A unit's figures as held: computed from `at`, and the recount under way past REFRESH_MS. */
interface Held {
  at: number;
  figures: Promise<UnitFigures>;
  next?: Promise<UnitFigures>;
}

export interface Published {
  roots: Unit[];
  units: ReadonlyMap<string, Unit>;
  has(code: string): boolean;
  /** the published roots as one string: what was rendered for another list is not served for this one */
  signature: string;
}

/**
 * The public figures of this app instance. A cache, allowed here because it is harmless and bounded: a public
 * figure may be up to FRESH_MS behind the dashboard by design (the page says when it was computed); the list of
 * published units is read again every PUBLISHED_MS, so a withdrawal reaches every instance within 10 s; it holds
 * one entry per published unit asked for (two: with and without its quarters), and nothing in it decides a stored
 * figure. Two instances may show figures computed a few minutes apart, each made under the disclosure rule.
 * Past REFRESH_MS a unit's figures are computed again in the background, so only an instance's first request waits.
 */
export class PublicFigures {
  private readonly kept = new Map<string, Held>();
  private seen?: { at: number; published: Promise<Published> };

  constructor(private readonly deps: { models: Models; catalog: SurveyCatalog; projector: Settles; k: number; clock: () => Date }) {}

  /** The published units: the roots chosen by staff, and every unit of the directory in their subtrees. */
  published(): Promise<Published> {
    const now = this.deps.clock().getTime();
    if (this.seen && now - this.seen.at < PUBLISHED_MS) return this.seen.published;
    const published = this.readPublished();
    this.seen = { at: now, published };
    published.catch(() => this.seen?.published === published && (this.seen = undefined));
    return published;
  }

  private async readPublished(): Promise<Published> {
    const [codes, units] = await Promise.all([publishedRoots(this.deps.models.PublishedUnit), unitsByCode(this.deps.models.Unit)]);
    const roots = new Set(codes);
    for (const key of this.kept.keys()) {
      const unit = units.get(key.split('|')[0]!);
      if (!unit || !isPublished(unit, roots)) this.kept.delete(key);
    }
    return {
      roots: codes.flatMap((code) => units.get(code) ?? []),
      units,
      has: (code) => {
        const unit = units.get(code);
        return Boolean(unit && !unit.mergedInto && isPublished(unit, roots));
      },
      signature: codes.join(' '),
    };
  }

  /**
   * A published unit's figures, computed at most FRESH_MS ago (the caller has checked that it is published):
   * with `quarters`, by quarter too (its own page, the open data's roots); without, 12 months only (a row of a
   * list), a sixth of the work.
   */
  figuresOf(unit: Unit, quarters = true): Promise<UnitFigures> {
    const now = this.deps.clock();
    const key = `${unit.code}|${quarters ? 'q' : '12m'}`;
    const known = this.kept.get(key);
    const age = known ? now.getTime() - known.at : Infinity;
    if (known && age < REFRESH_MS) return known.figures;
    if (known && age < FRESH_MS) {
      known.next ??= this.compute(key, unit, quarters, now, known);
      return known.figures;
    }
    return known?.next ?? this.compute(key, unit, quarters, now);
  }

  /** Several units' figures, AT_ONCE at a time, in their order. */
  async figuresOfAll(units: readonly Unit[], quarters: boolean): Promise<UnitFigures[]> {
    const out = new Array<UnitFigures>(units.length);
    let next = 0;
    const worker = async () => {
      while (next < units.length) {
        const i = next++;
        out[i] = await this.figuresOf(units[i]!, quarters);
      }
    };
    await Promise.all(Array.from({ length: Math.min(AT_ONCE, units.length) }, worker));
    return out;
  }

  /**
   * Computes a unit's figures. Held under `key` at once when nothing usable is held; as a refresh of `held`, held
   * once they are there (until then `held` goes on being served). A failure (the database down) is not held: the
   * next request tries again.
   */
  private compute(key: string, unit: Unit, quarters: boolean, now: Date, held?: Held): Promise<UnitFigures> {
    const range = openRange(now);
    const periods = quarters ? range.periods : range.periods.slice(0, 1);
    const figures = unitFigures(this.deps, unit, periods, now).then((found) => ({ unit, computedAt: now, range, ...found }));
    if (!held) this.kept.set(key, { at: now.getTime(), figures });
    figures.then(
      () => {
        if (held && this.kept.get(key) === held) this.kept.set(key, { at: now.getTime(), figures });
      },
      () => {
        if (this.kept.get(key)?.figures === figures) this.kept.delete(key);
        if (held?.next === figures) held.next = undefined;
      },
    );
    return figures;
  }

  /** The published children of a unit, in the directory's order. */
  childrenOf(published: Published, code: string): Unit[] {
    return [...published.units.values()].filter((unit) => unit.parentCode === code && published.has(unit.code));
  }
}
