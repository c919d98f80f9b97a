//! Expression typing: operators, the builtin signature table, comparability.

use rust_decimal::Decimal;

use super::{list_names, unknown_help, CheckError, Checker};
use crate::ast::{self, AtYear, BinaryOp, ExprKind, Ident};
use crate::print;
use crate::program::*;
use crate::source::Span;

use super::{lower::*, order::*, params::*};

pub(crate) fn check_comparable(
    checker: &mut Checker<'_>,
    left: &TExpr,
    right_ast: &ast::Expr,
    right: &TExpr,
    left_ast: &ast::Expr,
    span: Span,
) -> Option<()> {
    if left.ty == right.ty {
        return Some(());
    }
    let help = match (left.ty, right.ty) {
        (Type::Money, Type::Ratio) => format!(
            "an amount cannot be compared with a share: write `{} of gdp` to turn the share into an amount",
            operand(right_ast)
        ),
        (Type::Ratio, Type::Money) => format!(
            "a share cannot be compared with an amount: write `{} of gdp` on the left, or divide the right side by `gdp`",
            operand(left_ast)
        ),
        _ => "compare values of the same kind: amounts with amounts, shares with shares".to_string(),
    };
    checker.push(CheckError::UnitMismatch {
        left: left.ty.describe().into(),
        right: right.ty.describe().into(),
        help,
        span: left.span.join(right.span).join(span),
    });
    None
}

/// An expression as the left operand of `of`, in parentheses when needed.
pub(crate) fn operand(expr: &ast::Expr) -> String {
    let text = print::expr(expr);
    match expr.kind {
        ExprKind::Binary(..) | ExprKind::Neg(_) => format!("({text})"),
        _ => text,
    }
}

/// Types an expression, reporting unknown names and unit errors.
pub(crate) fn type_expr(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    expr: &ast::Expr,
) -> Option<TExpr> {
    let span = expr.span;
    let make = |kind, ty| Some(TExpr { kind, ty, span });
    match &expr.kind {
        ExprKind::Number(n) => make(TExprKind::Const(*n), Type::Number),
        ExprKind::Percent(p) => make(TExprKind::Const(*p / Decimal::ONE_HUNDRED), Type::Ratio),
        ExprKind::Text(_) | ExprKind::Bool(_) => {
            checker.push(CheckError::TypeMismatch {
                operation: "calculate with".into(),
                left: "a text or true/false".into(),
                right: "numbers".into(),
                help: "requirements and caps calculate with amounts, shares and numbers".into(),
                span,
            });
            None
        }
        ExprKind::Name(name) => {
            if let Some(&index) = env.categories.get(name) {
                env.used_categories.insert(index);
                return make(TExprKind::Category(index), Type::Money);
            }
            if let Some(&(index, ty)) = env.params.get(name) {
                env.used_params.insert(index);
                if env.poisoned.contains(name) {
                    return None;
                }
                return make(TExprKind::Param(index), ty);
            }
            if let Some(&ty) = env.indicators.get(name) {
                return make(TExprKind::Indicator(name.clone()), ty);
            }
            let mut candidates: Vec<String> = env.categories.keys().cloned().collect();
            candidates.extend(env.params.keys().cloned());
            candidates.extend(env.indicators.keys().cloned());
            let hint = format!(
                "names in expressions are categories ({}), parameters ({}) or data series ({})",
                or_none(&env.categories.keys().cloned().collect::<Vec<_>>()),
                or_none(&env.params.keys().cloned().collect::<Vec<_>>()),
                or_none(&env.indicators.keys().cloned().collect::<Vec<_>>()),
            );
            let help = crate::diagnostics::suggest(
                name,
                candidates.iter().map(String::as_str),
                &hint,
                || hint.clone(),
            );
            checker.push(CheckError::UnknownName {
                name: name.clone(),
                help,
                span,
            });
            None
        }
        ExprKind::Neg(inner) => {
            let inner = type_expr(checker, env, params, inner)?;
            let ty = inner.ty;
            make(TExprKind::Neg(Box::new(inner)), ty)
        }
        ExprKind::At(inner, at) => {
            let inner = type_expr(checker, env, params, inner)?;
            let ty = inner.ty;
            let spec = match at {
                AtYear::Relative { offset, .. } => AtSpec::Relative(*offset),
                AtYear::Fixed(year) => AtSpec::Fixed(lower_year(checker, env, params, year)?),
            };
            make(TExprKind::At(Box::new(inner), spec), ty)
        }
        ExprKind::Binary(op, left, right) => {
            let l = type_expr(checker, env, params, left);
            let r = type_expr(checker, env, params, right);
            let (l, r) = (l?, r?);
            let ty = binary_type(checker, *op, &l, &r, left, right, span)?;
            let (l, r) = (Box::new(l), Box::new(r));
            let kind = match op {
                BinaryOp::Add => TExprKind::Add(l, r),
                BinaryOp::Sub => TExprKind::Sub(l, r),
                BinaryOp::Mul | BinaryOp::Of => TExprKind::Mul(l, r),
                BinaryOp::Div => TExprKind::Div(l, r),
            };
            make(kind, ty)
        }
        ExprKind::Call(name, args) => type_call(checker, env, params, name, args, span),
    }
}

pub(crate) fn or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        list_names(names)
    }
}

pub(crate) fn binary_type(
    checker: &mut Checker<'_>,
    op: BinaryOp,
    l: &TExpr,
    r: &TExpr,
    left: &ast::Expr,
    right: &ast::Expr,
    span: Span,
) -> Option<Type> {
    use Type::*;
    let result = match op {
        BinaryOp::Add | BinaryOp::Sub => {
            (l.ty == r.ty && matches!(l.ty, Money | Ratio | Number)).then_some(l.ty)
        }
        BinaryOp::Mul => match (l.ty, r.ty) {
            (Number, t) | (t, Number) if matches!(t, Money | Ratio | Number) => Some(t),
            (Ratio, Money) | (Money, Ratio) => Some(Money),
            (Ratio, Ratio) => Some(Ratio),
            _ => None,
        },
        BinaryOp::Div => match (l.ty, r.ty) {
            (Money, Money) => Some(Ratio),
            (Ratio, Ratio) => Some(Number),
            (t, Number) if matches!(t, Money | Ratio | Number) => Some(t),
            (Money, Ratio) => Some(Money),
            _ => None,
        },
        BinaryOp::Of => {
            if l.ty != Ratio {
                checker.push(CheckError::NotAShare {
                    found: l.ty.describe().into(),
                    span: left.span,
                });
                return None;
            }
            matches!(r.ty, Money | Ratio | Number).then_some(r.ty)
        }
    };
    if result.is_none() {
        let operation = match op {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "subtract",
            BinaryOp::Mul | BinaryOp::Of => "multiply",
            BinaryOp::Div => "divide",
        };
        let help = match (l.ty, r.ty) {
            (Money, Ratio) | (Ratio, Money) if matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
                let (share, _) = if l.ty == Ratio { (left, right) } else { (right, left) };
                format!("turn the share into an amount first: `{} of gdp`", operand(share))
            }
            (Money, Money) => "two amounts can be added, subtracted or divided (giving a share), not multiplied".into(),
            _ => "amounts go with amounts and shares with shares; `x% of y` turns a share into an amount".into(),
        };
        checker.push(CheckError::TypeMismatch {
            operation: operation.into(),
            left: l.ty.describe().into(),
            right: r.ty.describe().into(),
            help,
            span,
        });
    }
    result
}

pub(crate) fn type_call(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    name: &Ident,
    args: &[ast::Expr],
    span: Span,
) -> Option<TExpr> {
    mark_names_used(env, args);
    let mut call = Call {
        checker,
        env,
        params,
        args,
        span,
    };
    match name.name.as_str() {
        "count" => call.count(),
        "money" => call.money(),
        "alliance" => call.alliance(),
        "round" => call.round(),
        _ => call.min_max(&name.name),
    }
}

/// Names inside a call count as used even if the call itself is wrong,
/// so that one mistake does not also produce "never used" warnings.
fn mark_names_used(env: &mut Env, args: &[ast::Expr]) {
    for arg in args {
        names_in(arg, &mut |n| {
            if let Some(&index) = env.categories.get(n) {
                env.used_categories.insert(index);
            }
            if let Some(&(index, _)) = env.params.get(n) {
                env.used_params.insert(index);
            }
        });
    }
}

/// A call of a built-in function being typed: one method per function.
struct Call<'a, 'c> {
    checker: &'a mut Checker<'c>,
    env: &'a mut Env,
    params: &'a [Param],
    args: &'a [ast::Expr],
    /// The whole call.
    span: Span,
}

impl Call<'_, '_> {
    /// Reports a call with the wrong arguments.
    fn bad(&mut self, message: String, help: &str) -> Option<TExpr> {
        self.checker.push(CheckError::BadCall {
            message,
            help: help.into(),
            span: self.span,
        });
        None
    }

    fn typed(&mut self, arg: &ast::Expr) -> Option<TExpr> {
        type_expr(self.checker, self.env, self.params, arg)
    }

    /// `count(requirement)`
    fn count(&mut self) -> Option<TExpr> {
        let [ast::Expr {
            kind: ExprKind::Name(requirement),
            span: arg_span,
        }] = self.args
        else {
            return self.bad(
                "`count` takes one requirement id".into(),
                "write `count(core_floor)`",
            );
        };
        let Some(&index) = self.env.requirements.get(requirement) else {
            let names: Vec<String> = self.env.requirements.keys().cloned().collect();
            self.checker.push(CheckError::UnknownRequirement {
                name: requirement.clone(),
                help: unknown_help(
                    requirement,
                    &names,
                    "`count` takes the id of a requirement of this pledge",
                ),
                span: *arg_span,
            });
            return None;
        };
        Some(TExpr {
            kind: TExprKind::Count(index),
            ty: Type::Number,
            span: self.span,
        })
    }

    /// `money(number)`
    fn money(&mut self) -> Option<TExpr> {
        const HELP: &str = "write `money(500)` for 500 in the dataset's money unit";
        let [arg] = self.args else {
            return self.bad("`money` takes one number".into(), HELP);
        };
        let arg = self.typed(arg)?;
        if arg.ty != Type::Number {
            let message = format!("`money` takes a plain number, not {}", arg.ty.describe());
            return self.bad(message, HELP);
        }
        Some(TExpr {
            kind: arg.kind,
            ty: Type::Money,
            span: self.span,
        })
    }

    /// `alliance(expression)`
    fn alliance(&mut self) -> Option<TExpr> {
        let [arg] = self.args else {
            return self.bad(
                "`alliance` takes one expression".into(),
                "write `alliance(core)` for the total over all members",
            );
        };
        let arg = self.typed(arg)?;
        let ty = arg.ty;
        Some(TExpr {
            kind: TExprKind::Alliance(Box::new(arg)),
            ty,
            span: self.span,
        })
    }

    /// `round(value, decimals)`
    fn round(&mut self) -> Option<TExpr> {
        const HELP: &str = "write `round(x, 2)`";
        let [value, digits] = self.args else {
            return self.bad(
                "`round` takes a value and a number of decimals".into(),
                HELP,
            );
        };
        let places = match &digits.kind {
            ExprKind::Number(n)
                if n.fract().is_zero() && *n >= Decimal::ZERO && *n <= Decimal::from(12) =>
            {
                u32::try_from(n.mantissa()).ok()
            }
            _ => None,
        };
        let Some(places) = places else {
            return self.bad(
                "the number of decimals must be a whole number from 0 to 12".into(),
                HELP,
            );
        };
        let value = self.typed(value)?;
        let ty = value.ty;
        Some(TExpr {
            kind: TExprKind::Round(Box::new(value), places),
            ty,
            span: self.span,
        })
    }

    /// `min(a, b, ...)` and `max(a, b, ...)`
    fn min_max(&mut self, name: &str) -> Option<TExpr> {
        if self.args.is_empty() {
            return self.bad(
                format!("`{name}` needs at least one value"),
                "write `min(a, b)`",
            );
        }
        let mut typed = Vec::new();
        for arg in self.args {
            typed.push(self.typed(arg));
        }
        let typed: Vec<TExpr> = typed.into_iter().collect::<Option<_>>()?;
        let ty = typed.first().map_or(Type::Number, |t| t.ty);
        if typed.iter().any(|t| t.ty != ty) {
            return self.bad(
                format!("the values of `{name}` must all be of one kind"),
                "compare amounts with amounts and shares with shares",
            );
        }
        let kind = if name == "min" {
            TExprKind::Min(typed)
        } else {
            TExprKind::Max(typed)
        };
        Some(TExpr {
            kind,
            ty,
            span: self.span,
        })
    }
}
