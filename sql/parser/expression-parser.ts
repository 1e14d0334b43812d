/**
 * The expression half of the grammar: identifiers, literals, types and value expressions, in
 * ksqlDB's precedence (loosest first):
 *
 *   OR < AND < NOT < predicate (= <> < <= > >=, [NOT] BETWEEN/IN/LIKE, IS [NOT] NULL/DISTINCT FROM)
 *   < || < + - < * / % < unary + - < postfix ([i], ->field) < primary
 *
 * Comparisons do not chain (`a = b = c` is an error, as in ksqlDB). `GROUP BY`, `PARTITION BY`,
 * `BETWEEN` bounds and `LIKE` patterns take value expressions, which have no AND/OR/comparison.
 * The query and statement grammars (query-parser.ts, parser.ts) extend this class, so chevrotain
 * sees one grammar.
 */
import { CstParser, EOF, tokenMatcher } from 'chevrotain';
import type { IParserConfig, TokenType } from 'chevrotain';
import * as t from './tokens.js';

export class ExpressionParser extends CstParser {
  constructor(config: IParserConfig) {
    super(t.allTokens, config);
  }

  // ---- names -------------------------------------------------------------------------------

  public identifier = this.RULE('identifier', () => {
    this.CONSUME(t.AnyIdentifier);
  });

  // ---- expressions -------------------------------------------------------------------------

  public expression = this.RULE('expression', () => {
    this.SUBRULE(this.orExpression);
  });

  public orExpression = this.RULE('orExpression', () => {
    this.SUBRULE(this.andExpression, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(t.Or);
      this.SUBRULE2(this.andExpression, { LABEL: 'operands' });
    });
  });

  public andExpression = this.RULE('andExpression', () => {
    this.SUBRULE(this.notExpression, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(t.And);
      this.SUBRULE2(this.notExpression, { LABEL: 'operands' });
    });
  });

  public notExpression = this.RULE('notExpression', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Not);
          this.SUBRULE(this.notExpression);
        },
      },
      { ALT: () => this.SUBRULE(this.predicated) },
    ]);
  });

  public predicated = this.RULE('predicated', () => {
    this.SUBRULE(this.valueExpression);
    this.OPTION(() => this.SUBRULE(this.predicate));
  });

  public predicate = this.RULE('predicate', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.ComparisonOp);
          this.SUBRULE(this.valueExpression, { LABEL: 'right' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Is);
          this.OPTION(() => this.CONSUME(t.Not));
          this.OR2([
            { ALT: () => this.CONSUME(t.Null) },
            {
              ALT: () => {
                this.CONSUME(t.Distinct);
                this.CONSUME(t.From);
                this.SUBRULE2(this.valueExpression, { LABEL: 'right' });
              },
            },
          ]);
        },
      },
      {
        ALT: () => {
          this.OPTION2(() => this.CONSUME2(t.Not));
          this.OR3([
            {
              ALT: () => {
                this.CONSUME(t.Between);
                this.SUBRULE3(this.valueExpression, { LABEL: 'lower' });
                this.CONSUME(t.And);
                this.SUBRULE4(this.valueExpression, { LABEL: 'upper' });
              },
            },
            {
              ALT: () => {
                this.CONSUME(t.In);
                this.CONSUME(t.LParen);
                this.AT_LEAST_ONE_SEP({
                  SEP: t.Comma,
                  DEF: () => this.SUBRULE(this.expression, { LABEL: 'list' }),
                });
                this.CONSUME(t.RParen);
              },
            },
            {
              ALT: () => {
                this.CONSUME(t.Like);
                this.SUBRULE5(this.valueExpression, { LABEL: 'pattern' });
                this.OPTION3(() => {
                  this.CONSUME(t.Escape);
                  this.CONSUME(t.StringLiteral, { LABEL: 'escape' });
                });
              },
            },
          ]);
        },
      },
    ]);
  });

  public valueExpression = this.RULE('valueExpression', () => {
    this.SUBRULE(this.additiveExpression, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(t.Concat);
      this.SUBRULE2(this.additiveExpression, { LABEL: 'operands' });
    });
  });

  public additiveExpression = this.RULE('additiveExpression', () => {
    this.SUBRULE(this.multiplicativeExpression, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(t.AdditiveOp);
      this.SUBRULE2(this.multiplicativeExpression, { LABEL: 'operands' });
    });
  });

  public multiplicativeExpression = this.RULE('multiplicativeExpression', () => {
    this.SUBRULE(this.unaryExpression, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(t.MultiplicativeOp);
      this.SUBRULE2(this.unaryExpression, { LABEL: 'operands' });
    });
  });

  public unaryExpression = this.RULE('unaryExpression', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.AdditiveOp);
          this.SUBRULE(this.unaryExpression);
        },
      },
      { ALT: () => this.SUBRULE(this.postfixExpression) },
    ]);
  });

  public postfixExpression = this.RULE('postfixExpression', () => {
    this.SUBRULE(this.primaryExpression);
    this.MANY(() => this.SUBRULE(this.postfixOperator));
  });

  public postfixOperator = this.RULE('postfixOperator', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.LBracket);
          this.SUBRULE(this.expression, { LABEL: 'index' });
          this.CONSUME(t.RBracket);
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Arrow);
          this.OR2([
            { ALT: () => this.SUBRULE(this.identifier, { LABEL: 'field' }) },
            // `struct->*` is only meaningful as a select item; the AST builder checks where it is.
            { ALT: () => this.CONSUME(t.Star) },
          ]);
        },
      },
    ]);
  });

  public primaryExpression = this.RULE('primaryExpression', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.literal) },
      { ALT: () => this.SUBRULE(this.caseExpression) },
      { ALT: () => this.SUBRULE(this.castExpression) },
      { GATE: () => this.at(2, t.LBracket), ALT: () => this.SUBRULE(this.arrayConstructor) },
      { GATE: () => this.at(2, t.LParen), ALT: () => this.SUBRULE(this.mapConstructor) },
      { GATE: () => this.at(2, t.LParen), ALT: () => this.SUBRULE(this.structConstructor) },
      { ALT: () => this.SUBRULE(this.parenthesizedExpression) },
      { ALT: () => this.SUBRULE(this.columnOrCall) },
    ]);
  });

  public literal = this.RULE('literal', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.StringLiteral) },
      { ALT: () => this.CONSUME(t.IntegerLiteral) },
      { ALT: () => this.CONSUME(t.DecimalLiteral) },
      { ALT: () => this.CONSUME(t.FloatLiteral) },
      { ALT: () => this.CONSUME(t.True) },
      { ALT: () => this.CONSUME(t.False) },
      { ALT: () => this.CONSUME(t.Null) },
    ]);
  });

  public parenthesizedExpression = this.RULE('parenthesizedExpression', () => {
    this.CONSUME(t.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(t.RParen);
  });

  /** `col`, `source.col`, `fn(args)`, `COUNT(*)`. */
  public columnOrCall = this.RULE('columnOrCall', () => {
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(t.LParen);
            this.OPTION2(() => {
              this.OR2([
                { ALT: () => this.CONSUME(t.Star) },
                {
                  ALT: () =>
                    this.AT_LEAST_ONE_SEP({
                      SEP: t.Comma,
                      DEF: () => this.SUBRULE(this.functionArgument, { LABEL: 'args' }),
                    }),
                },
              ]);
            });
            this.CONSUME(t.RParen);
          },
        },
        {
          ALT: () => {
            this.CONSUME(t.Dot);
            this.SUBRULE2(this.identifier, { LABEL: 'column' });
          },
        },
      ]);
    });
  });

  public functionArgument = this.RULE('functionArgument', () => {
    this.OR({
      // `(a, b) => …` and `(a)` share any fixed-length prefix, so a gate scans ahead for `=>`.
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { GATE: () => this.lambdaAhead(), ALT: () => this.SUBRULE(this.lambda) },
        { ALT: () => this.SUBRULE(this.expression) },
      ],
    });
  });

  public lambda = this.RULE('lambda', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.identifier, { LABEL: 'params' }) },
      {
        ALT: () => {
          this.CONSUME(t.LParen);
          this.AT_LEAST_ONE_SEP({
            SEP: t.Comma,
            DEF: () => this.SUBRULE2(this.identifier, { LABEL: 'params' }),
          });
          this.CONSUME(t.RParen);
        },
      },
    ]);
    this.CONSUME(t.LambdaArrow);
    this.SUBRULE(this.expression, { LABEL: 'body' });
  });

  public caseExpression = this.RULE('caseExpression', () => {
    this.CONSUME(t.Case);
    this.OPTION(() => this.SUBRULE(this.valueExpression, { LABEL: 'operand' }));
    this.AT_LEAST_ONE(() => this.SUBRULE(this.whenClause));
    this.OPTION2(() => {
      this.CONSUME(t.Else);
      this.SUBRULE(this.expression, { LABEL: 'else' });
    });
    this.CONSUME(t.End);
  });

  public whenClause = this.RULE('whenClause', () => {
    this.CONSUME(t.When);
    this.SUBRULE(this.expression, { LABEL: 'when' });
    this.CONSUME(t.Then);
    this.SUBRULE2(this.expression, { LABEL: 'then' });
  });

  public castExpression = this.RULE('castExpression', () => {
    this.CONSUME(t.Cast);
    this.CONSUME(t.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(t.As);
    this.SUBRULE(this.type);
    this.CONSUME(t.RParen);
  });

  public arrayConstructor = this.RULE('arrayConstructor', () => {
    this.CONSUME(t.ArrayKw);
    this.CONSUME(t.LBracket);
    this.MANY_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'elements' }) });
    this.CONSUME(t.RBracket);
  });

  public mapConstructor = this.RULE('mapConstructor', () => {
    this.CONSUME(t.MapKw);
    this.CONSUME(t.LParen);
    this.MANY_SEP({
      SEP: t.Comma,
      DEF: () => {
        this.SUBRULE(this.expression, { LABEL: 'keys' });
        this.CONSUME(t.Assign);
        this.SUBRULE2(this.expression, { LABEL: 'values' });
      },
    });
    this.CONSUME(t.RParen);
  });

  public structConstructor = this.RULE('structConstructor', () => {
    this.CONSUME(t.Struct);
    this.CONSUME(t.LParen);
    this.MANY_SEP({
      SEP: t.Comma,
      DEF: () => {
        this.SUBRULE(this.identifier, { LABEL: 'names' });
        this.CONSUME(t.Assign);
        this.SUBRULE(this.expression, { LABEL: 'values' });
      },
    });
    this.CONSUME(t.RParen);
  });

  // ---- types -------------------------------------------------------------------------------

  /** Base types are identifiers (`INT`, `VARCHAR`, a custom type); the AST builder resolves them. */
  public type = this.RULE('type', () => {
    const generic = (): boolean => this.at(2, t.LessThan);
    this.OR([
      {
        GATE: generic,
        ALT: () => {
          this.CONSUME(t.ArrayKw);
          this.CONSUME(t.LessThan);
          this.SUBRULE(this.type, { LABEL: 'element' });
          this.CONSUME(t.GreaterThan);
        },
      },
      {
        GATE: generic,
        ALT: () => {
          this.CONSUME(t.MapKw);
          this.CONSUME2(t.LessThan);
          this.SUBRULE2(this.type, { LABEL: 'key' });
          this.CONSUME(t.Comma);
          this.SUBRULE3(this.type, { LABEL: 'value' });
          this.CONSUME2(t.GreaterThan);
        },
      },
      {
        // `STRUCT<>`: the lexer reads `<>` as not-equal.
        GATE: () => this.at(2, t.NotEqual) && this.LA(2).image === '<>',
        ALT: () => {
          this.CONSUME2(t.Struct);
          this.CONSUME(t.NotEqual, { LABEL: 'emptyStruct' });
        },
      },
      {
        GATE: generic,
        ALT: () => {
          this.CONSUME(t.Struct);
          this.CONSUME3(t.LessThan);
          this.MANY_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.structField, { LABEL: 'fields' }) });
          this.CONSUME3(t.GreaterThan);
        },
      },
      {
        ALT: () => {
          this.SUBRULE(this.identifier, { LABEL: 'name' });
          this.OPTION(() => {
            this.CONSUME(t.LParen);
            this.AT_LEAST_ONE_SEP({
              SEP: t.Comma,
              DEF: () => {
                // ksqlDB also takes a word here: VARCHAR(STRING) is a STRING.
                this.OR2([
                  { ALT: () => this.CONSUME(t.IntegerLiteral, { LABEL: 'parameters' }) },
                  { ALT: () => this.CONSUME(t.StringLiteral, { LABEL: 'parameters' }) },
                  { ALT: () => this.CONSUME(t.AnyIdentifier, { LABEL: 'parameters' }) },
                ]);
              },
            });
            this.CONSUME(t.RParen);
          });
        },
      },
    ]);
  });

  public structField = this.RULE('structField', () => {
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.SUBRULE(this.type);
  });

  // ---- lookahead helpers -------------------------------------------------------------------

  protected at(offset: number, type: TokenType): boolean {
    return tokenMatcher(this.LA(offset), type);
  }

  /** `x =>` or `(x, y, …) =>`. */
  private lambdaAhead(): boolean {
    if (this.at(1, t.AnyIdentifier)) return this.at(2, t.LambdaArrow);
    if (!this.at(1, t.LParen)) return false;
    let i = 2;
    while (this.at(i, t.AnyIdentifier)) {
      if (this.at(i + 1, t.RParen)) return this.at(i + 2, t.LambdaArrow);
      if (!this.at(i + 1, t.Comma)) return false;
      i += 2;
    }
    return false;
  }

  /**
   * `(a, b)` or `()` at LA(1): the parenthesised list form of GROUP BY / PARTITION BY, told apart
   * from a parenthesised expression (`(a + b) * 2`) by a comma at its top level.
   */
  protected parenthesisedListAhead(): boolean {
    if (!this.at(1, t.LParen)) return false;
    if (this.at(2, t.RParen)) return true;
    let depth = 0;
    for (let i = 1; ; i++) {
      const token = this.LA(i);
      if (token.tokenType === EOF) return false;
      if (tokenMatcher(token, t.LParen) || tokenMatcher(token, t.LBracket)) depth++;
      else if (tokenMatcher(token, t.RParen) || tokenMatcher(token, t.RBracket)) {
        depth--;
        if (depth === 0) return false;
      } else if (depth === 1 && tokenMatcher(token, t.Comma)) return true;
    }
  }
}
