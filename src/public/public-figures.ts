import type { Models } from '../models';
import type { Settles } from '../projector/ports';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import type { Unit } from '../units/unit.model';
import { unitsByCode } from '../units/unit-directory';
import { openRange, unitFigures, type OpenFigure, type OpenKind, type OpenRange } from './open-data';
import type { TrendPoint } from './trend-svg';
import { isPublished, publishedRoots } from './published-units';

/** How old a public figure may be (issue #27: at most 5 minutes, and the page says so). */
export const FRESH_MS = 5 * 60_000;

export interface UnitFigures {
  unit: Unit;
  computedAt: Date;
  range: OpenRange;
  figures: OpenFigure[];
  /** each kind's months over the 12 months, for the trend */
  trends: Record<OpenKind, TrendPoint[]>;
}

/**
 * The public figures of this app instance, each unit's kept for FRESH_MS. A cache, allowed here because it is
 * harmless and bounded: a public figure may be up to 5 minutes behind the dashboard by design (the page says when
 * it was computed), it holds one entry per published unit asked for, and it decides nothing: what is published is
 * read on every request, so a withdrawn unit is gone at once and its entry dropped. Two instances may show figures
 * computed a few minutes apart, each made under the disclosure rule.
 */
export class PublicFigures {
  private readonly kept = new Map<string, { at: number; figures: Promise<UnitFigures> }>();

  constructor(private readonly deps: { models: Models; catalog: SurveyCatalog; projector: Settles; k: number; clock: () => Date }) {}

  /** The published units: the roots chosen by staff, and every unit of the directory in their subtrees. */
  async published(): Promise<{ roots: Unit[]; units: ReadonlyMap<string, Unit>; has(code: string): boolean }> {
    const [codes, units] = await Promise.all([publishedRoots(this.deps.models.PublishedUnit), unitsByCode(this.deps.models.Unit)]);
    const roots = new Set(codes);
    for (const code of this.kept.keys()) {
      const unit = units.get(code);
      if (!unit || !isPublished(unit, roots)) this.kept.delete(code);
    }
    return {
      roots: codes.flatMap((code) => units.get(code) ?? []),
      units,
      has: (code) => {
        const unit = units.get(code);
        return Boolean(unit && !unit.mergedInto && isPublished(unit, roots));
      },
    };
  }

  /** A published unit's figures, computed at most FRESH_MS ago (the caller has checked that it is published). */
  figuresOf(unit: Unit): Promise<UnitFigures> {
    const now = this.deps.clock();
    const known = this.kept.get(unit.code);
    if (known && now.getTime() - known.at < FRESH_MS) return known.figures;
    const range = openRange(now);
    const figures = unitFigures(this.deps, unit, range, now).then((found) => ({ unit, computedAt: now, range, ...found }));
    this.kept.set(unit.code, { at: now.getTime(), figures });
    // A failure (the database down) is not kept: the next request tries again.
    figures.catch(() => this.kept.get(unit.code)?.figures === figures && this.kept.delete(unit.code));
    return figures;
  }

  /** The units the open data lists: each published root and its children, in the directory's order. */
  listed(published: { roots: Unit[]; units: ReadonlyMap<string, Unit>; has(code: string): boolean }): Unit[] {
    const rootCodes = new Set(published.roots.map((unit) => unit.code));
    const children = [...published.units.values()].filter((unit) => unit.parentCode && rootCodes.has(unit.parentCode) && published.has(unit.code));
    return [...published.roots, ...children.filter((unit) => !rootCodes.has(unit.code))];
  }
}
