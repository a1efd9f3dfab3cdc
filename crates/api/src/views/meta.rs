use serde::Serialize;
use utoipa::ToSchema;

use crate::params::{Paging, DEFAULT_PAGE_SIZE};

/// The `meta` object; its `count` is also the envelope's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Meta {
    pub count: u64,
    pub page_count: u64,
    pub page_number: u64,
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
        let size = paging.page.limit;
        if total == 0 {
            return Self {
                count: 0,
                page_count: 0,
                page_number: 0,
                page_size: size,
            };
        }
        Self {
            count: total,
            page_count: total.div_ceil(size),
            page_number: paging.page_number,
            page_size: size,
        }
    }
}
