mod immediate;

use crate::decoder::{choose_color_convert_func, ColorTransform};
use crate::error::Result;
use crate::parser::{Component, Dimensions};
use crate::upsampler::Upsampler;

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::RefCell;

pub struct RowData {
    pub index: usize,
    pub component: Component,
    pub quantization_table: Arc<[u16; 64]>,
}

pub trait Worker {
    fn start(&mut self, row_data: RowData) -> Result<()>;
    fn append_row(&mut self, row: (usize, Vec<i16>)) -> Result<()>;
    /// `append_row` of coefficients that stay where they are (a progressive frame's), read
    /// in place.
    fn append_row_slice(&mut self, index: usize, row: &[i16]) -> Result<()>;
    fn get_result(&mut self, index: usize) -> Result<Vec<u8>>;
}

/// The worker of a decode. portrait: always the one on the calling thread (0.3.2 also had one
/// thread per component, and rayon's pool); see PATCHES.md.
#[derive(Default)]
pub struct WorkerScope {
    inner: RefCell<Option<immediate::ImmediateWorker>>,
}

impl WorkerScope {
    pub fn with<T>(with: impl FnOnce(&Self) -> T) -> T {
        with(&WorkerScope::default())
    }

    pub fn get_or_init_worker<T>(&self, f: impl FnOnce(&mut dyn Worker) -> T) -> T {
        let mut inner = self.inner.borrow_mut();
        f(inner.get_or_insert_with(Default::default))
    }
}

pub fn compute_image_parallel(
    components: &[Component],
    data: Vec<Vec<u8>>,
    output_size: Dimensions,
    color_transform: ColorTransform,
) -> Result<Vec<u8>> {
    let color_convert_func = choose_color_convert_func(components.len(), color_transform)?;
    let upsampler = Upsampler::new(components, output_size.width, output_size.height)?;
    let line_size = output_size.width as usize * components.len();
    let mut image = vec![0u8; line_size * output_size.height as usize];

    for (row, line) in image.chunks_mut(line_size).enumerate() {
        upsampler.upsample_and_interleave_row(
            &data,
            row,
            output_size.width as usize,
            line,
            color_convert_func,
        );
    }

    Ok(image)
}
