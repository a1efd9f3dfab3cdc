//! Query parameters of the user reads, parsed once at the boundary into typed values.

use portrait_store::{Includes, Order, Page, UserId};

use crate::error::ApiError;

mod matching;

pub use matching::matching;

/// The raw `key=value` pairs of a query string, decoded.
#[derive(Debug, Default, Clone)]
pub struct QueryPairs(Vec<(String, String)>);

impl QueryPairs {
    pub fn parse(query: Option<&str>) -> Self {
        let pairs = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Self(pairs)
    }

    /// The last value given for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// An integer the way Kantata reads one (brainstem calls Ruby's `to_i`): the leading
    /// digits, with an optional sign, after leading spaces; `0` when there are none. Never an
    /// error: `page=2x` is page 2, `per_page=abc` the default. Blank is absent.
    pub fn integer(&self, key: &str) -> Option<i64> {
        self.get(key)
            .filter(|value| !value.trim().is_empty())
            .map(ruby_to_i)
    }

    pub fn boolean(&self, key: &str) -> Result<bool, ApiError> {
        Ok(self.optional_boolean(key)?.unwrap_or(false))
    }

    /// `true`/`1` or `false`/`0`; absent or blank is `None`.
    pub fn optional_boolean(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some("true") | Some("1") => Ok(Some(true)),
            Some("false") | Some("0") => Ok(Some(false)),
            Some(_) => Err(ApiError::BadParameter(format!(
                "parameter {key} must be true or false"
            ))),
        }
    }

    /// A value that is there and not blank.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|value| !value.trim().is_empty())
    }

    pub fn includes(&self) -> Includes {
        Includes::parse(self.get("include").unwrap_or(""))
    }

    /// Both `optional_fields=a,b` (trimmed) and `optional_fields[]=a&optional_fields[]=b`.
    pub fn optional_fields(&self) -> OptionalFields {
        let mut fields = OptionalFields::default();
        let lists = self
            .all("optional_fields")
            .chain(self.all("optional_fields[]"));
        for name in lists.flat_map(|list| list.split(',')).map(str::trim) {
            fields.add(name);
        }
        fields
    }
}

/// The optional User fields a request asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OptionalFields {
    pub bio: bool,
    pub website: bool,
    pub city: bool,
    pub state: bool,
    pub country: bool,
    pub abbreviated_timezone: bool,
    pub last_site_activity: bool,
    pub classification: bool,
    /// portrait's own, unknown to Kantata (whose clients never ask for them).
    pub photo_renditions: bool,
    pub photo_thumbhash: bool,
}

impl OptionalFields {
    fn add(&mut self, name: &str) {
        match name {
            "bio" => self.bio = true,
            "website" => self.website = true,
            "city" => self.city = true,
            "state" => self.state = true,
            "country" => self.country = true,
            "abbreviated_timezone" => self.abbreviated_timezone = true,
            "last_site_activity" => self.last_site_activity = true,
            "classification" => self.classification = true,
            "photo_renditions" => self.photo_renditions = true,
            "photo_thumbhash" => self.photo_thumbhash = true,
            _ => {}
        }
    }
}

/// How a list request pages, and what `meta` reports about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: Page,
    /// What `meta.page_number` reports: brainstem echoes `params.fetch(:page, 1).to_i`, so
    /// `page=0` or `page=abc` report 0 and `limit`/`offset` do not change it.
    pub page_number: i64,
    /// What `meta.page_size` reports (and `page_count` divides by): brainstem's
    /// `calculate_per_page`, the per_page value even when `limit`/`offset` chose the rows.
    pub page_size: u64,
}

pub const DEFAULT_PAGE_SIZE: u64 = 20;

impl Paging {
    /// `page`/`per_page`, overridden by `limit` with `offset` when both are given (as
    /// Kantata's brainstem does). Sizes below 1 mean the default; above the maximum, the maximum.
    pub fn from_query(query: &QueryPairs, max_page_size: u64) -> Self {
        let per_page = match query.integer("per_page") {
            Some(n) if n >= 1 => (n as u64).min(max_page_size),
            _ => DEFAULT_PAGE_SIZE,
        };
        let page_number = query.get("page").map_or(1, ruby_to_i);
        let page = match (query.integer("limit"), query.integer("offset")) {
            // Unlike per_page, a limit below 1 is 1, not the default.
            (Some(limit), Some(offset)) => Page {
                offset: offset.max(0) as u64,
                limit: (limit.max(1) as u64).min(max_page_size),
            },
            _ => Page {
                offset: (page_number.max(1) as u64 - 1).saturating_mul(per_page),
                limit: per_page,
            },
        };
        Self {
            page,
            page_number,
            page_size: per_page,
        }
    }
}

/// Ruby's `String#to_i` for base 10: leading whitespace, an optional sign, then digits
/// (underscores allowed between them); saturating where Ruby would grow a bignum.
fn ruby_to_i(text: &str) -> i64 {
    let text = text.trim_start();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    let mut previous_digit = false;
    for byte in digits.bytes() {
        match byte {
            b'0'..=b'9' => {
                let digit = i64::from(byte - b'0');
                value = value.saturating_mul(10).saturating_add(digit);
                previous_digit = true;
            }
            b'_' if previous_digit => previous_digit = false,
            _ => break,
        }
    }
    if negative {
        -value
    } else {
        value
    }
}

/// `order=alphabetical:asc|desc`, as brainstem reads it: a sort name it does not know means
/// Kantata's default (`alphabetical:asc`), and any direction but `desc` means ascending. Never
/// an error.
pub fn order(query: &QueryPairs) -> Order {
    let (name, direction) = match query.get("order") {
        Some(value) => {
            let mut parts = value.split(':');
            (parts.next().unwrap_or(""), parts.next())
        }
        None => ("", None),
    };
    match (name, direction) {
        ("alphabetical", Some("desc")) => Order::AlphabeticalDesc,
        _ => Order::AlphabeticalAsc,
    }
}

/// `only=1,2,3`: brainstem keeps the items that are all digits and drops the rest, untrimmed
/// (`only=5,x` is `only=5`; `only=x` matches nobody). An id too large for any record is dropped
/// too.
pub fn only(query: &QueryPairs) -> Option<Vec<UserId>> {
    Some(id_list(query, "only")?.into_iter().map(UserId).collect())
}

/// An `id,id,id` list read as `only` is.
fn id_list(query: &QueryPairs, key: &str) -> Option<Vec<i64>> {
    let list = query.text(key)?;
    let mut ids: Vec<i64> = Vec::new();
    for item in list.split(',') {
        if item.is_empty() || !item.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(id) = item.parse() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Some(ids)
}

/// A user id from a path segment; anything but an integer is a missing record, as in Rails.
pub fn user_id(segment: &str) -> Result<UserId, ApiError> {
    segment
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(UserId)
        .ok_or(ApiError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(query: &str) -> Paging {
        Paging::from_query(&QueryPairs::parse(Some(query)), 200)
    }

    #[test]
    fn paging_clamps_and_defaults() {
        assert_eq!(
            paging("").page,
            Page {
                offset: 0,
                limit: 20
            }
        );
        assert_eq!(
            paging("page=0&per_page=0").page,
            Page {
                offset: 0,
                limit: 20
            }
        );
        assert_eq!(
            paging("page=3&per_page=500").page,
            Page {
                offset: 400,
                limit: 200
            }
        );
        assert_eq!(
            paging("page=2&per_page=5&limit=3&offset=7").page,
            Page {
                offset: 7,
                limit: 3
            }
        );
        assert_eq!(
            paging("limit=3").page,
            Page {
                offset: 0,
                limit: 20
            }
        );
        assert_eq!(
            paging("limit=999&offset=-4").page,
            Page {
                offset: 0,
                limit: 200
            }
        );
        // Ruby's to_i: never an error.
        assert_eq!(paging("page=x").page.offset, 0);
        assert_eq!(paging("page=2x&per_page=5").page.offset, 5);
        assert_eq!(paging("per_page=abc").page.limit, 20);
    }

    #[test]
    fn meta_reports_what_brainstem_reports() {
        let reported = |q: &str| {
            let paging = paging(q);
            (paging.page_number, paging.page_size)
        };
        assert_eq!(reported(""), (1, 20));
        assert_eq!(reported("page=0"), (0, 20));
        assert_eq!(reported("page=x&per_page=7"), (0, 7));
        assert_eq!(reported("page="), (0, 20));
        assert_eq!(reported("page=-3"), (-3, 20));
        assert_eq!(reported("page=4&per_page=500"), (4, 200));
        // limit/offset choose the rows but not what meta says about them.
        assert_eq!(reported("limit=3&offset=7"), (1, 20));
        assert_eq!(reported("page=2&per_page=5&limit=3&offset=7"), (2, 5));
    }

    #[test]
    fn integers_read_as_ruby_to_i() {
        for (text, expected) in [
            ("12", 12),
            ("  7", 7),
            ("+3", 3),
            ("-4", -4),
            ("1_000", 1000),
            ("1__0", 1),
            ("_1", 0),
            ("3.9", 3),
            ("0x10", 0),
            ("abc", 0),
            ("", 0),
            ("99999999999999999999999", i64::MAX),
        ] {
            assert_eq!(ruby_to_i(text), expected, "{text:?}");
        }
    }

    #[test]
    fn order_falls_back_as_brainstem_does() {
        let order = |q: &str| order(&QueryPairs::parse(Some(q)));
        assert_eq!(order(""), Order::AlphabeticalAsc);
        assert_eq!(order("order=alphabetical:desc"), Order::AlphabeticalDesc);
        assert_eq!(order("order=alphabetical"), Order::AlphabeticalAsc);
        assert_eq!(order("order=alphabetical:sideways"), Order::AlphabeticalAsc);
        assert_eq!(order("order=created_at:desc"), Order::AlphabeticalAsc);
        assert_eq!(order("order=:desc"), Order::AlphabeticalAsc);
    }

    #[test]
    fn only_keeps_the_all_digit_items() {
        let only = |q: &str| only(&QueryPairs::parse(Some(q)));
        assert_eq!(only(""), None);
        assert_eq!(only("only="), None);
        assert_eq!(only("only=5,x,6,5"), Some(vec![UserId(5), UserId(6)]));
        assert_eq!(only("only=x"), Some(vec![]));
        assert_eq!(only("only=%205,-6,7"), Some(vec![UserId(7)]));
        assert_eq!(only("only=99999999999999999999"), Some(vec![]));
    }

    #[test]
    fn optional_fields_in_both_forms() {
        let q = QueryPairs::parse(Some(
            "optional_fields=bio,%20city&optional_fields[]=state&optional_fields%5B%5D=nope",
        ));
        let f = q.optional_fields();
        assert!(f.bio && f.city && f.state && !f.website);
    }

    #[test]
    fn include_is_not_trimmed() {
        let q = QueryPairs::parse(Some("include=role,%20skills,bogus"));
        let i = q.includes();
        assert!(i.role && !i.skills);
    }
}
