//! The subset of Rhai that cargo-generate's `[conditional.'...']` keys use in our templates:
//! string and bool values, `==`, `!=`, `!`, `&&`, `||`, `+` on strings, parentheses and the
//! `.contains(...)` method. Anything else is an error, never a silent `false`.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Bool(bool),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Bool(_) => "bool",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Eq,
    Ne,
    Not,
    And,
    Or,
    Plus,
    Dot,
    LParen,
    RParen,
}

fn tokenize(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            c if c.is_whitespace() => i += 1,
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string literal".into()),
                        Some('"') => break,
                        Some('\\') => {
                            match chars.get(i + 1) {
                                Some('"') => s.push('"'),
                                Some('\\') => s.push('\\'),
                                Some('n') => s.push('\n'),
                                other => return Err(format!("unsupported escape \\{other:?}")),
                            }
                            i += 2;
                            continue;
                        }
                        Some(&ch) => s.push(ch),
                    }
                    i += 1;
                }
                i += 1;
                tokens.push(Token::Str(s));
            }
            '=' if next == Some('=') => {
                tokens.push(Token::Eq);
                i += 2;
            }
            '!' if next == Some('=') => {
                tokens.push(Token::Ne);
                i += 2;
            }
            '!' => {
                tokens.push(Token::Not);
                i += 1;
            }
            '&' if next == Some('&') => {
                tokens.push(Token::And);
                i += 2;
            }
            '|' if next == Some('|') => {
                tokens.push(Token::Or);
                i += 2;
            }
            '+' => {
                tokens.push(Token::Plus);
                i += 1;
            }
            '.' => {
                tokens.push(Token::Dot);
                i += 1;
            }
            '(' => {
                tokens.push(Token::LParen);
                i += 1;
            }
            ')' => {
                tokens.push(Token::RParen);
                i += 1;
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push(Token::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unsupported character `{other}`")),
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    vars: &'a BTreeMap<String, Value>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == Some(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: Token) -> Result<(), String> {
        if self.eat(&token) {
            Ok(())
        } else {
            Err(format!("expected {token:?}, found {:?}", self.peek()))
        }
    }

    fn or(&mut self) -> Result<Value, String> {
        let mut left = self.and()?;
        while self.eat(&Token::Or) {
            let right = self.and()?;
            left = Value::Bool(as_bool(&left)? || as_bool(&right)?);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Value, String> {
        let mut left = self.comparison()?;
        while self.eat(&Token::And) {
            let right = self.comparison()?;
            left = Value::Bool(as_bool(&left)? && as_bool(&right)?);
        }
        Ok(left)
    }

    /// Rhai's precedence: `!` binds tighter than `==`, so `!database == "x"` negates a string
    /// and is refused, rather than read as `!(database == "x")`.
    fn comparison(&mut self) -> Result<Value, String> {
        let left = self.sum()?;
        let negate = match self.peek() {
            Some(Token::Eq) => false,
            Some(Token::Ne) => true,
            _ => return Ok(left),
        };
        self.pos += 1;
        let right = self.sum()?;
        if left.kind() != right.kind() {
            return Err(format!(
                "cannot compare a {} with a {}",
                left.kind(),
                right.kind()
            ));
        }
        Ok(Value::Bool((left == right) != negate))
    }

    fn sum(&mut self) -> Result<Value, String> {
        let mut left = self.unary()?;
        while self.eat(&Token::Plus) {
            let right = self.unary()?;
            left = match (left, right) {
                (Value::Str(a), Value::Str(b)) => Value::Str(a + &b),
                (a, b) => return Err(format!("cannot add a {} and a {}", a.kind(), b.kind())),
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Value, String> {
        if self.eat(&Token::Not) {
            let v = self.unary()?;
            return Ok(Value::Bool(!as_bool(&v)?));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Value, String> {
        let mut value = self.primary()?;
        while self.eat(&Token::Dot) {
            let method = match self.peek() {
                Some(Token::Ident(name)) => name.clone(),
                other => return Err(format!("expected a method name, found {other:?}")),
            };
            self.pos += 1;
            if method != "contains" {
                return Err(format!("unsupported method `{method}` (only `contains`)"));
            }
            self.expect(Token::LParen)?;
            let arg = self.or()?;
            self.expect(Token::RParen)?;
            value = match (value, arg) {
                (Value::Str(hay), Value::Str(needle)) => Value::Bool(hay.contains(&needle)),
                (a, b) => {
                    return Err(format!(
                        "`contains` needs strings, got a {} and a {}",
                        a.kind(),
                        b.kind()
                    ));
                }
            };
        }
        Ok(value)
    }

    fn primary(&mut self) -> Result<Value, String> {
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| "unexpected end of expression".to_string())?;
        self.pos += 1;
        match token {
            Token::Str(s) => Ok(Value::Str(s)),
            Token::Ident(name) if name == "true" => Ok(Value::Bool(true)),
            Token::Ident(name) if name == "false" => Ok(Value::Bool(false)),
            Token::Ident(name) => self
                .vars
                .get(&name)
                .cloned()
                .ok_or_else(|| format!("unknown variable `{name}`")),
            Token::LParen => {
                let v = self.or()?;
                self.expect(Token::RParen)?;
                Ok(v)
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

fn as_bool(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Str(s) => Err(format!("expected a bool, found the string {s:?}")),
    }
}

/// Evaluates `expr` against `vars`; the result must be a bool.
pub fn evaluate(expr: &str, vars: &BTreeMap<String, Value>) -> Result<bool, String> {
    let mut parser = Parser {
        tokens: tokenize(expr)?,
        pos: 0,
        vars,
    };
    let value = parser.or()?;
    if parser.pos != parser.tokens.len() {
        return Err(format!("unexpected {:?}", parser.tokens[parser.pos]));
    }
    as_bool(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("database".to_string(), Value::Str("postgres".into())),
            ("locales".to_string(), Value::Str("en,fr,pt-BR".into())),
            ("docs".to_string(), Value::Bool(false)),
        ])
    }

    #[test]
    fn comparisons_and_logic() {
        let v = vars();
        assert!(evaluate(r#"database == "postgres""#, &v).unwrap());
        assert!(!evaluate(r#"database != "postgres""#, &v).unwrap());
        assert!(evaluate(r#"!docs"#, &v).unwrap());
        assert!(evaluate(r#"database == "mysql" || !docs"#, &v).unwrap());
        assert!(!evaluate(r#"database == "mysql" && !docs"#, &v).unwrap());
        assert!(evaluate(r#"(database == "mysql" || true) && !(docs)"#, &v).unwrap());
    }

    #[test]
    fn contains_binds_tighter_than_not() {
        let v = vars();
        assert!(!evaluate(r#"!("," + locales + ",").contains(",fr,")"#, &v).unwrap());
        assert!(evaluate(r#"!("," + locales + ",").contains(",pt,")"#, &v).unwrap());
        assert!(evaluate(r#"("," + locales + ",").contains(",pt-BR,")"#, &v).unwrap());
    }

    #[test]
    fn errors_are_reported_not_swallowed() {
        let v = vars();
        assert!(
            evaluate("unknown == \"x\"", &v)
                .unwrap_err()
                .contains("unknown")
        );
        assert!(evaluate("database", &v).is_err());
        assert!(evaluate("docs == \"true\"", &v).is_err());
        assert!(evaluate("database.len()", &v).is_err());
        assert!(evaluate("docs docs", &v).is_err());
        assert!(evaluate("\"open", &v).is_err());
    }

    #[test]
    fn not_binds_tighter_than_comparison() {
        let v = vars();
        // `!` applies to `database`, a string: refused, not read as `!(database == ...)`.
        let err = evaluate(r#"!database == "postgres""#, &v).unwrap_err();
        assert!(err.contains("expected a bool"), "{err}");
        assert!(evaluate(r#"!docs == true"#, &v).unwrap());
        assert!(evaluate(r#"!(database == "mysql")"#, &v).unwrap());
    }
}
