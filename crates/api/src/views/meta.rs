use serde::Serialize;
use utoipa::ToSchema;

use crate::params::{Paging, DEFAULT_PAGE_SIZE};

/// The `meta` object; its `count` is also the envelope's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Meta {
    pub count: u64,
    pub page_count: u64,
    /// The `page` parameter as given (Kantata echoes it, even past the last page); 0 when
    /// nothing matched.
    pub page_number: i64,
    pub page_size: u64,
}

impl Meta {
    /// A show or an update: always one record on page one of twenty.
    pub fn single() -> Self {
        Self {
            count: 1,
            page_count: 1,
            page_number: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    pub fn list(total: u64, paging: &Paging) -> Self {
        let matched = total > 0;
        Self {
            count: total,
            page_count: total.div_ceil(paging.page_size),
            page_number: if matched { paging.page_number } else { 0 },
            page_size: paging.page_size,
        }
    }
}
