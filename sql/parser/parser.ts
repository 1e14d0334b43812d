/**
 * The statement grammar of ksqlDB's dialect, as a chevrotain CST parser, on top of the query
 * (query-parser.ts) and expression (expression-parser.ts) grammars; chevrotain sees the three
 * as one. It only recognises syntax: `sql/ast/build.ts` turns the CST into typed nodes and
 * checks what a grammar cannot say well (a window's options, where `->*` stands, a CREATE that
 * has both columns and a query).
 */
import * as t from './tokens.js';
import { QueryParser } from './query-parser.js';

export class KsqlParser extends QueryParser {
  constructor() {
    // Three tokens tell `x.*` from `x.y`; more makes building the grammar several times slower.
    super({ maxLookahead: 3, recoveryEnabled: false });
    this.performSelfAnalysis();
  }

  public singleStatement = this.RULE('singleStatement', () => {
    this.SUBRULE(this.statement);
  });

  public singleExpression = this.RULE('singleExpression', () => {
    this.SUBRULE(this.expression);
  });

  public statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.query) },
      { ALT: () => this.SUBRULE(this.createStatement) },
      { ALT: () => this.SUBRULE(this.insertStatement) },
      { ALT: () => this.SUBRULE(this.dropStatement) },
      { ALT: () => this.SUBRULE(this.alterStatement) },
      { ALT: () => this.SUBRULE(this.showStatement) },
      { ALT: () => this.SUBRULE(this.describeStatement) },
      { ALT: () => this.SUBRULE(this.explainStatement) },
      { ALT: () => this.SUBRULE(this.printStatement) },
      { ALT: () => this.SUBRULE(this.queryControlStatement) },
      { ALT: () => this.SUBRULE(this.setStatement) },
      { ALT: () => this.SUBRULE(this.unsetStatement) },
      { ALT: () => this.SUBRULE(this.defineStatement) },
      { ALT: () => this.SUBRULE(this.undefineStatement) },
      { ALT: () => this.SUBRULE(this.assertStatement) },
    ]);
  });

  // ---- CREATE ------------------------------------------------------------------------------

  public createStatement = this.RULE('createStatement', () => {
    this.CONSUME(t.Create);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Type);
          this.SUBRULE(this.ifNotExists);
          this.SUBRULE(this.identifier, { LABEL: 'name' });
          this.CONSUME(t.As);
          this.SUBRULE(this.type);
        },
      },
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(t.Source, { LABEL: 'connectorType' }) },
            { ALT: () => this.CONSUME(t.Sink, { LABEL: 'connectorType' }) },
          ]);
          this.CONSUME(t.Connector);
          this.SUBRULE2(this.ifNotExists);
          this.SUBRULE2(this.identifier, { LABEL: 'name' });
          this.SUBRULE(this.withClause);
        },
      },
      {
        ALT: () => {
          this.OPTION(() => {
            this.CONSUME(t.Or);
            this.CONSUME(t.Replace);
          });
          this.OPTION2(() => this.CONSUME2(t.Source));
          this.SUBRULE(this.sourceType);
          this.SUBRULE3(this.ifNotExists);
          this.SUBRULE3(this.identifier, { LABEL: 'name' });
          this.OPTION3(() => this.SUBRULE(this.tableElements));
          this.OPTION4(() => this.SUBRULE2(this.withClause));
          this.OPTION5(() => {
            this.CONSUME2(t.As);
            this.SUBRULE(this.query);
          });
        },
      },
    ]);
  });

  public sourceType = this.RULE('sourceType', () => {
    this.OR([{ ALT: () => this.CONSUME(t.Stream) }, { ALT: () => this.CONSUME(t.Table) }]);
  });

  public ifNotExists = this.RULE('ifNotExists', () => {
    this.OPTION(() => {
      this.CONSUME(t.If);
      this.CONSUME(t.Not);
      this.CONSUME(t.Exists);
    });
  });

  public ifExists = this.RULE('ifExists', () => {
    this.OPTION(() => {
      this.CONSUME(t.If);
      this.CONSUME(t.Exists);
    });
  });

  public tableElements = this.RULE('tableElements', () => {
    this.CONSUME(t.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.tableElement) });
    this.CONSUME(t.RParen);
  });

  public tableElement = this.RULE('tableElement', () => {
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.SUBRULE(this.type);
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(t.Key) },
        {
          ALT: () => {
            this.CONSUME(t.Primary);
            this.CONSUME2(t.Key);
          },
        },
        { ALT: () => this.CONSUME(t.Headers) },
        {
          ALT: () => {
            this.CONSUME(t.Header);
            this.CONSUME(t.LParen);
            this.CONSUME(t.StringLiteral, { LABEL: 'headerKey' });
            this.CONSUME(t.RParen);
          },
        },
      ]);
    });
  });

  public withClause = this.RULE('withClause', () => {
    this.CONSUME(t.With);
    this.CONSUME(t.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.property) });
    this.CONSUME(t.RParen);
  });

  public property = this.RULE('property', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.identifier, { LABEL: 'name' }) },
      { ALT: () => this.CONSUME(t.StringLiteral, { LABEL: 'name' }) },
    ]);
    this.CONSUME(t.Equals);
    this.SUBRULE(this.propertyValue);
  });

  public propertyValue = this.RULE('propertyValue', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.StringLiteral) },
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(t.AdditiveOp, { LABEL: 'sign' }));
          this.OR2([
            { ALT: () => this.CONSUME(t.IntegerLiteral) },
            { ALT: () => this.CONSUME(t.DecimalLiteral) },
            { ALT: () => this.CONSUME(t.FloatLiteral) },
          ]);
        },
      },
      { ALT: () => this.CONSUME(t.True) },
      { ALT: () => this.CONSUME(t.False) },
      { ALT: () => this.CONSUME(t.Null) },
    ]);
  });

  // ---- INSERT ------------------------------------------------------------------------------

  public insertStatement = this.RULE('insertStatement', () => {
    this.CONSUME(t.Insert);
    this.CONSUME(t.Into);
    this.SUBRULE(this.identifier, { LABEL: 'target' });
    this.OR([
      {
        ALT: () => {
          this.OPTION(() => this.SUBRULE(this.withClause));
          this.SUBRULE(this.query);
        },
      },
      {
        ALT: () => {
          this.OPTION2(() => {
            this.CONSUME(t.LParen);
            this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE2(this.identifier, { LABEL: 'columns' }) });
            this.CONSUME(t.RParen);
          });
          this.CONSUME(t.Values);
          this.CONSUME2(t.LParen);
          this.MANY_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'values' }) });
          this.CONSUME2(t.RParen);
        },
      },
    ]);
  });

  // ---- DROP, ALTER -------------------------------------------------------------------------

  public dropStatement = this.RULE('dropStatement', () => {
    this.CONSUME(t.Drop);
    this.OR([
      {
        ALT: () => {
          this.SUBRULE(this.sourceType);
          this.SUBRULE(this.ifExists);
          this.SUBRULE(this.identifier, { LABEL: 'name' });
          this.OPTION(() => {
            this.CONSUME(t.Delete);
            this.CONSUME(t.Topic);
          });
        },
      },
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(t.Type, { LABEL: 'objectType' }) },
            { ALT: () => this.CONSUME(t.Connector, { LABEL: 'objectType' }) },
          ]);
          this.SUBRULE2(this.ifExists);
          this.SUBRULE2(this.identifier, { LABEL: 'name' });
        },
      },
    ]);
  });

  public alterStatement = this.RULE('alterStatement', () => {
    this.CONSUME(t.Alter);
    this.OR([
      {
        ALT: () => {
          this.SUBRULE(this.sourceType);
          this.SUBRULE(this.identifier, { LABEL: 'name' });
          this.SUBRULE(this.alterOption);
          this.MANY(() => {
            this.OPTION(() => this.CONSUME(t.Comma));
            this.SUBRULE2(this.alterOption);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.System);
          this.CONSUME(t.StringLiteral, { LABEL: 'property' });
          this.CONSUME(t.Equals);
          this.CONSUME2(t.StringLiteral, { LABEL: 'value' });
        },
      },
    ]);
  });

  public alterOption = this.RULE('alterOption', () => {
    this.CONSUME(t.Add);
    this.OPTION(() => this.CONSUME(t.Column));
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.SUBRULE(this.type);
  });

  // ---- SHOW, DESCRIBE, EXPLAIN, PRINT ------------------------------------------------------

  public showStatement = this.RULE('showStatement', () => {
    this.OR([{ ALT: () => this.CONSUME(t.Show) }, { ALT: () => this.CONSUME(t.List) }]);
    this.OR2([
      { ALT: () => this.CONSUME(t.Streams, { LABEL: 'subject' }) },
      { ALT: () => this.CONSUME(t.Tables, { LABEL: 'subject' }) },
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(t.All));
          this.CONSUME(t.Topics, { LABEL: 'subject' });
        },
      },
      { ALT: () => this.CONSUME(t.Queries, { LABEL: 'subject' }) },
      { ALT: () => this.CONSUME(t.Properties, { LABEL: 'subject' }) },
      { ALT: () => this.CONSUME(t.Functions, { LABEL: 'subject' }) },
      { ALT: () => this.CONSUME(t.Types, { LABEL: 'subject' }) },
      { ALT: () => this.CONSUME(t.Variables, { LABEL: 'subject' }) },
      {
        ALT: () => {
          this.OPTION2(() => {
            this.OR3([
              { ALT: () => this.CONSUME(t.Source, { LABEL: 'connectorType' }) },
              { ALT: () => this.CONSUME(t.Sink, { LABEL: 'connectorType' }) },
            ]);
          });
          this.CONSUME(t.Connectors, { LABEL: 'subject' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Connector);
          this.CONSUME(t.Plugins, { LABEL: 'subject' });
        },
      },
    ]);
    this.OPTION3(() => this.CONSUME(t.Extended));
  });

  public describeStatement = this.RULE('describeStatement', () => {
    this.CONSUME(t.Describe);
    this.OR({
      // The listing forms and FUNCTION/CONNECTOR win over a source that happens to be called so.
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          ALT: () => {
            this.CONSUME(t.FunctionKw, { LABEL: 'objectType' });
            this.SUBRULE(this.identifier, { LABEL: 'name' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(t.Connector, { LABEL: 'objectType' });
            this.SUBRULE2(this.identifier, { LABEL: 'name' });
          },
        },
        {
          ALT: () => {
            this.OR2([
              { ALT: () => this.CONSUME(t.Streams, { LABEL: 'listing' }) },
              { ALT: () => this.CONSUME(t.Tables, { LABEL: 'listing' }) },
            ]);
            this.OPTION(() => this.CONSUME(t.Extended));
          },
        },
        {
          ALT: () => {
            this.SUBRULE3(this.identifier, { LABEL: 'name' });
            this.OPTION2(() => this.CONSUME2(t.Extended));
          },
        },
      ],
    });
  });

  public explainStatement = this.RULE('explainStatement', () => {
    this.CONSUME(t.Explain);
    this.OR([
      { ALT: () => this.SUBRULE(this.query) },
      { ALT: () => this.SUBRULE(this.createStatement) },
      { ALT: () => this.SUBRULE(this.insertStatement) },
      { ALT: () => this.SUBRULE(this.identifier, { LABEL: 'queryId' }) },
    ]);
  });

  public printStatement = this.RULE('printStatement', () => {
    this.CONSUME(t.Print);
    this.OR([
      { ALT: () => this.SUBRULE(this.identifier, { LABEL: 'topic' }) },
      { ALT: () => this.CONSUME(t.StringLiteral, { LABEL: 'topic' }) },
    ]);
    this.OPTION(() => {
      this.CONSUME(t.From);
      this.CONSUME(t.Beginning);
    });
    this.OPTION2(() => {
      this.OR2([{ ALT: () => this.CONSUME(t.Interval) }, { ALT: () => this.CONSUME(t.Sample) }]);
      this.CONSUME(t.IntegerLiteral, { LABEL: 'interval' });
    });
    this.OPTION3(() => {
      this.CONSUME(t.Limit);
      this.CONSUME2(t.IntegerLiteral, { LABEL: 'limit' });
    });
  });

  // ---- TERMINATE / PAUSE / RESUME, SET / UNSET, DEFINE / UNDEFINE, ASSERT ----------------------

  public queryControlStatement = this.RULE('queryControlStatement', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.Terminate, { LABEL: 'action' }) },
      { ALT: () => this.CONSUME(t.Pause, { LABEL: 'action' }) },
      { ALT: () => this.CONSUME(t.Resume, { LABEL: 'action' }) },
    ]);
    this.OR2([
      { ALT: () => this.CONSUME(t.All) },
      { ALT: () => this.SUBRULE(this.identifier, { LABEL: 'queryId' }) },
    ]);
  });

  public setStatement = this.RULE('setStatement', () => {
    this.CONSUME(t.SetKw);
    this.CONSUME(t.StringLiteral, { LABEL: 'property' });
    this.CONSUME(t.Equals);
    this.CONSUME2(t.StringLiteral, { LABEL: 'value' });
  });

  public unsetStatement = this.RULE('unsetStatement', () => {
    this.CONSUME(t.Unset);
    this.CONSUME(t.StringLiteral, { LABEL: 'property' });
  });

  public defineStatement = this.RULE('defineStatement', () => {
    this.CONSUME(t.Define);
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.CONSUME(t.Equals);
    this.CONSUME(t.StringLiteral, { LABEL: 'value' });
  });

  public undefineStatement = this.RULE('undefineStatement', () => {
    this.CONSUME(t.Undefine);
    this.SUBRULE(this.identifier, { LABEL: 'name' });
  });

  public assertStatement = this.RULE('assertStatement', () => {
    this.CONSUME(t.Assert);
    this.OPTION(() => {
      this.CONSUME(t.Not);
      this.CONSUME(t.Exists);
    });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Topic);
          this.OR2([
            { ALT: () => this.SUBRULE(this.identifier, { LABEL: 'topic' }) },
            { ALT: () => this.CONSUME(t.StringLiteral, { LABEL: 'topic' }) },
          ]);
          this.OPTION2(() => this.SUBRULE(this.withClause));
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Schema);
          this.OPTION3(() => {
            this.CONSUME(t.Subject);
            this.OR3([
              { ALT: () => this.SUBRULE2(this.identifier, { LABEL: 'subject' }) },
              { ALT: () => this.CONSUME2(t.StringLiteral, { LABEL: 'subject' }) },
            ]);
          });
          this.OPTION4(() => {
            this.CONSUME(t.Id);
            this.CONSUME(t.IntegerLiteral, { LABEL: 'id' });
          });
        },
      },
    ]);
    this.OPTION5(() => {
      this.CONSUME(t.Timeout);
      this.SUBRULE(this.duration, { LABEL: 'timeout' });
    });
  });
}
