/**
 * The query half of the statement grammar: SELECT with its FROM/JOIN, WINDOW, WHERE, GROUP BY,
 * PARTITION BY, HAVING, EMIT and LIMIT clauses, and the durations windows and joins are sized in.
 * CREATE … AS SELECT, INSERT INTO … SELECT and EXPLAIN (parser.ts) build on it.
 */
import * as t from './tokens.js';
import { ExpressionParser } from './expression-parser.js';

export class QueryParser extends ExpressionParser {
  public query = this.RULE('query', () => {
    this.CONSUME(t.Select);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.selectItem) });
    this.CONSUME(t.From);
    this.SUBRULE(this.relation);
    this.OPTION(() => {
      this.CONSUME(t.Window);
      this.SUBRULE(this.windowExpression);
    });
    this.OPTION2(() => {
      this.CONSUME(t.Where);
      this.SUBRULE(this.expression, { LABEL: 'where' });
    });
    this.OPTION3(() => {
      this.CONSUME(t.Group);
      this.CONSUME(t.By);
      this.SUBRULE(this.expressionList, { LABEL: 'groupBy' });
    });
    this.OPTION4(() => {
      this.CONSUME(t.Partition);
      this.CONSUME2(t.By);
      this.SUBRULE2(this.expressionList, { LABEL: 'partitionBy' });
    });
    this.OPTION5(() => {
      this.CONSUME(t.Having);
      this.SUBRULE2(this.expression, { LABEL: 'having' });
    });
    this.OPTION6(() => {
      this.CONSUME(t.Emit);
      this.OR([
        { ALT: () => this.CONSUME(t.Changes, { LABEL: 'emit' }) },
        { ALT: () => this.CONSUME(t.Final, { LABEL: 'emit' }) },
      ]);
    });
    this.OPTION7(() => {
      this.CONSUME(t.Limit);
      this.CONSUME(t.IntegerLiteral, { LABEL: 'limit' });
    });
  });

  public selectItem = this.RULE('selectItem', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.Star) },
      {
        ALT: () => {
          this.SUBRULE(this.identifier, { LABEL: 'source' });
          this.CONSUME(t.Dot);
          this.CONSUME2(t.Star);
        },
      },
      {
        ALT: () => {
          this.SUBRULE(this.expression);
          this.OPTION(() => {
            this.OPTION2(() => this.CONSUME(t.As));
            this.SUBRULE2(this.identifier, { LABEL: 'alias' });
          });
        },
      },
    ]);
  });

  /** `GROUP BY a, b` or `GROUP BY (a, b)`; value expressions, as in ksqlDB. */
  public expressionList = this.RULE('expressionList', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.parenthesisedListAhead(),
          ALT: () => {
            this.CONSUME(t.LParen);
            this.MANY_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.valueExpression, { LABEL: 'items' }) });
            this.CONSUME(t.RParen);
          },
        },
        {
          ALT: () =>
            this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE2(this.valueExpression, { LABEL: 'items' }) }),
        },
      ],
    });
  });

  public relation = this.RULE('relation', () => {
    this.SUBRULE(this.aliasedSource);
    this.MANY(() => this.SUBRULE(this.joinClause));
  });

  public aliasedSource = this.RULE('aliasedSource', () => {
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.OPTION2(() => this.CONSUME(t.As));
      this.SUBRULE2(this.identifier, { LABEL: 'alias' });
    });
  });

  public joinClause = this.RULE('joinClause', () => {
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(t.Inner, { LABEL: 'joinType' }) },
        { ALT: () => this.CONSUME(t.Left, { LABEL: 'joinType' }) },
        { ALT: () => this.CONSUME(t.Right, { LABEL: 'joinType' }) },
        { ALT: () => this.CONSUME(t.Full, { LABEL: 'joinType' }) },
      ]);
      this.OPTION2(() => this.CONSUME(t.Outer));
    });
    this.CONSUME(t.Join);
    this.SUBRULE(this.aliasedSource);
    this.OPTION3(() => {
      this.CONSUME(t.Within);
      this.SUBRULE(this.withinExpression);
    });
    this.CONSUME(t.On);
    this.SUBRULE(this.expression, { LABEL: 'on' });
  });

  public withinExpression = this.RULE('withinExpression', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.LParen);
          this.SUBRULE(this.duration, { LABEL: 'before' });
          this.CONSUME(t.Comma);
          this.SUBRULE2(this.duration, { LABEL: 'after' });
          this.CONSUME(t.RParen);
        },
      },
      { ALT: () => this.SUBRULE3(this.duration, { LABEL: 'size' }) },
    ]);
    this.OPTION(() => this.SUBRULE(this.gracePeriod));
  });

  public gracePeriod = this.RULE('gracePeriod', () => {
    this.CONSUME(t.Grace);
    this.CONSUME(t.Period);
    this.SUBRULE(this.duration);
  });

  public duration = this.RULE('duration', () => {
    this.CONSUME(t.IntegerLiteral);
    this.CONSUME(t.TimeUnit);
  });

  /** `[name] TUMBLING|HOPPING (SIZE d, …)` or `SESSION (d, …)`; options are checked by the builder. */
  public windowExpression = this.RULE('windowExpression', () => {
    // Chevrotain's lookahead does not see that TUMBLING is also an identifier; the type is the
    // word right before the '(', so a name is present only when that is not the second token.
    this.OPTION({
      GATE: () => !this.at(2, t.LParen),
      DEF: () => this.SUBRULE(this.identifier, { LABEL: 'name' }),
    });
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(t.Tumbling, { LABEL: 'windowType' }) },
            { ALT: () => this.CONSUME(t.Hopping, { LABEL: 'windowType' }) },
          ]);
          this.CONSUME(t.LParen);
          this.CONSUME(t.Size);
          this.SUBRULE(this.duration, { LABEL: 'size' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Session, { LABEL: 'windowType' });
          this.CONSUME2(t.LParen);
          this.SUBRULE2(this.duration, { LABEL: 'size' });
        },
      },
    ]);
    this.MANY(() => {
      this.CONSUME(t.Comma);
      this.SUBRULE(this.windowOption);
    });
    this.CONSUME(t.RParen);
  });

  public windowOption = this.RULE('windowOption', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Advance);
          this.CONSUME(t.By);
          this.SUBRULE(this.duration, { LABEL: 'advance' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Retention);
          this.SUBRULE2(this.duration, { LABEL: 'retention' });
        },
      },
      { ALT: () => this.SUBRULE(this.gracePeriod) },
    ]);
  });
}
