//! Query parameters of the user reads, parsed once at the boundary into typed values.

use portrait_store::{Includes, Order, Page, UserId};

use crate::error::ApiError;

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

    pub fn integer(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(value) => {
                value.trim().parse().map(Some).map_err(|_| {
                    ApiError::BadParameter(format!("parameter {key} must be an integer"))
                })
            }
        }
    }

    pub fn boolean(&self, key: &str) -> Result<bool, ApiError> {
        match self.get(key) {
            None | Some("") | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(_) => Err(ApiError::BadParameter(format!(
                "parameter {key} must be true or false"
            ))),
        }
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
            _ => {}
        }
    }
}

/// How a list request pages, and what `meta` reports about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: Page,
    pub page_number: u64,
}

pub const DEFAULT_PAGE_SIZE: u64 = 20;

impl Paging {
    /// `page`/`per_page`, overridden by `limit` with `offset` when both are given (as
    /// Kantata's brainstem does). Sizes below 1 mean the default; above the maximum, the maximum.
    pub fn from_query(query: &QueryPairs, max_page_size: u64) -> Result<Self, ApiError> {
        let size = |value: Option<i64>| match value {
            Some(n) if n >= 1 => (n as u64).min(max_page_size),
            _ => DEFAULT_PAGE_SIZE,
        };
        let limit = query.integer("limit")?;
        let offset = query.integer("offset")?;
        if let (Some(limit), Some(offset)) = (limit, offset) {
            let limit = size(Some(limit));
            let offset = offset.max(0) as u64;
            return Ok(Self {
                page: Page { offset, limit },
                page_number: offset / limit + 1,
            });
        }
        let per_page = size(query.integer("per_page")?);
        let page_number = query.integer("page")?.filter(|&p| p >= 1).unwrap_or(1) as u64;
        Ok(Self {
            page: Page {
                offset: (page_number - 1).saturating_mul(per_page),
                limit: per_page,
            },
            page_number,
        })
    }
}

/// `order=alphabetical:asc|desc`; nothing means by id.
pub fn order(query: &QueryPairs) -> Result<Order, ApiError> {
    match query.get("order") {
        // Kantata's default.
        None | Some("") => Ok(Order::AlphabeticalAsc),
        Some("alphabetical") | Some("alphabetical:asc") => Ok(Order::AlphabeticalAsc),
        Some("alphabetical:desc") => Ok(Order::AlphabeticalDesc),
        Some(other) => Err(ApiError::BadParameter(format!(
            "order {other:?} is not supported; use alphabetical:asc or alphabetical:desc"
        ))),
    }
}

/// `only=1,2,3`.
pub fn only(query: &QueryPairs) -> Result<Option<Vec<UserId>>, ApiError> {
    let Some(list) = query.get("only").filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    list.split(',')
        .map(|id| {
            id.trim()
                .parse()
                .map(UserId)
                .map_err(|_| ApiError::BadParameter("parameter only must list integer ids".into()))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
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
        Paging::from_query(&QueryPairs::parse(Some(query)), 200).unwrap()
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
        assert!(Paging::from_query(&QueryPairs::parse(Some("page=x")), 200).is_err());
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
