//! The case-conversion Liquid filters that cargo-generate adds to the standard library, with
//! the same names and the same conversions (both use `heck`).

use heck::{
    ToKebabCase, ToLowerCamelCase, ToPascalCase, ToShoutyKebabCase, ToShoutySnakeCase, ToSnakeCase,
    ToTitleCase, ToTrainCase, ToUpperCamelCase,
};
use liquid_core::{
    Display_filter, Filter, FilterReflection, ParseFilter, Result, Runtime, Value, ValueView,
};

macro_rules! case_filter {
    ($parser:ident, $filter:ident, $name:literal, $convert:ident) => {
        #[derive(Clone, ParseFilter, FilterReflection)]
        #[filter(
                            name = $name,
                            description = "Converts a string's case, as cargo-generate does.",
                            parsed($filter)
                        )]
        pub struct $parser;

        #[derive(Debug, Default, Display_filter)]
        #[name = $name]
        struct $filter;

        impl Filter for $filter {
            fn evaluate(&self, input: &dyn ValueView, _runtime: &dyn Runtime) -> Result<Value> {
                Ok(Value::scalar(input.to_kstr().as_str().$convert()))
            }
        }
    };
}

case_filter!(KebabCase, KebabCaseFilter, "kebab_case", to_kebab_case);
case_filter!(
    LowerCamelCase,
    LowerCamelCaseFilter,
    "lower_camel_case",
    to_lower_camel_case
);
case_filter!(PascalCase, PascalCaseFilter, "pascal_case", to_pascal_case);
case_filter!(
    ShoutyKebabCase,
    ShoutyKebabCaseFilter,
    "shouty_kebab_case",
    to_shouty_kebab_case
);
case_filter!(
    ShoutySnakeCase,
    ShoutySnakeCaseFilter,
    "shouty_snake_case",
    to_shouty_snake_case
);
case_filter!(SnakeCase, SnakeCaseFilter, "snake_case", to_snake_case);
case_filter!(TitleCase, TitleCaseFilter, "title_case", to_title_case);
case_filter!(TrainCase, TrainCaseFilter, "train_case", to_train_case);
case_filter!(
    UpperCamelCase,
    UpperCamelCaseFilter,
    "upper_camel_case",
    to_upper_camel_case
);

/// A Liquid parser with the standard library and cargo-generate's filters.
pub fn parser() -> std::result::Result<liquid::Parser, liquid::Error> {
    liquid::ParserBuilder::with_stdlib()
        .filter(KebabCase)
        .filter(LowerCamelCase)
        .filter(PascalCase)
        .filter(ShoutyKebabCase)
        .filter(ShoutySnakeCase)
        .filter(SnakeCase)
        .filter(TitleCase)
        .filter(TrainCase)
        .filter(UpperCamelCase)
        .build()
}

#[cfg(test)]
mod tests {
    #[test]
    fn case_filters_convert_like_cargo_generate() {
        let parser = super::parser().unwrap();
        let globals = liquid::object!({ "n": "my-cool_api" });
        let render = |src: &str| parser.parse(src).unwrap().render(&globals).unwrap();
        assert_eq!(render("{{ n | snake_case }}"), "my_cool_api");
        assert_eq!(render("{{ n | kebab_case }}"), "my-cool-api");
        assert_eq!(render("{{ n | pascal_case }}"), "MyCoolApi");
        assert_eq!(render("{{ n | upper_camel_case }}"), "MyCoolApi");
        assert_eq!(render("{{ n | lower_camel_case }}"), "myCoolApi");
        assert_eq!(render("{{ n | shouty_snake_case }}"), "MY_COOL_API");
        assert_eq!(render("{{ n | shouty_kebab_case }}"), "MY-COOL-API");
        assert_eq!(render("{{ n | title_case }}"), "My Cool Api");
        assert_eq!(render("{{ n | train_case }}"), "My-Cool-Api");
    }
}
