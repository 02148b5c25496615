//! Product photographs (CAT-1): uploaded by the house, the type read from the bytes (JPEG
//! or PNG), the size limited, decoded under limits, turned upright and encoded again (so no
//! EXIF or GPS survives), resized once at upload to a few widths in WebP and JPEG, and kept
//! under the media folder by the SHA-256 of the upright image: the same photo sent twice is
//! one set of files, and a file's name never changes meaning, so it is served with a long
//! cache lifetime.

use crate::backoffice::{require, staff};
use crate::customers::ordered_id;
use crate::{App, AppError};
use ecrin_core::Lang;
use ecrin_core::account::Role;
use ecrin_core::query::FieldError;
use ecrin_store::ProductPhoto;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// The largest file taken, in bytes.
pub const MAX_BYTES: usize = 15 * 1024 * 1024;
/// The largest side decoded, in pixels.
const MAX_SIDE: u32 = 12_000;
/// What decoding may allocate.
const MAX_DECODE_BYTES: u64 = 400 * 1024 * 1024;
/// The widths made, when the photo is at least as wide.
pub const WIDTHS: [u32; 3] = [480, 960, 1600];
/// Photos a product may have.
pub const MAX_PHOTOS: usize = 12;
const MAX_ALT: usize = 200;

fn invalid(field: &str, reason: &'static str) -> AppError {
    AppError::Invalid(vec![FieldError {
        field: field.to_owned(),
        reason,
    }])
}

/// A photo's files: `{hash}-{width}.webp` and `.jpg`.
pub fn file_name(hash: &str, width: u32, ext: &str) -> String {
    format!("{hash}-{width}.{ext}")
}

/// Where a photo file is kept: two levels by the hash's first characters.
pub fn path_of(dir: &Path, file: &str) -> Option<PathBuf> {
    let (hash, rest) = file.split_once('-')?;
    let (width, ext) = rest.split_once('.')?;
    let ok = hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && !width.is_empty()
        && width.len() <= 5
        && width.bytes().all(|b| b.is_ascii_digit())
        && matches!(ext, "jpg" | "webp");
    ok.then(|| dir.join("photos").join(&hash[..2]).join(file))
}

/// The URL a photo file is served at.
pub fn url(hash: &str, width: u32, ext: &str) -> String {
    format!("/media/photos/{}", file_name(hash, width, ext))
}

/// An image made ready for the shop: its hash, size and the encoded files.
struct Prepared {
    hash: String,
    width: u32,
    height: u32,
    files: Vec<(String, Vec<u8>)>,
}

/// Reads, checks and resizes an upload (CPU-bound: run on a blocking thread).
fn prepare(bytes: &[u8]) -> Result<Prepared, &'static str> {
    use image::{DynamicImage, ImageDecoder, ImageFormat};
    if bytes.len() > MAX_BYTES {
        return Err("too_large");
    }
    let format = image::guess_format(bytes).map_err(|_| "not_a_jpeg_or_png")?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png) {
        return Err("not_a_jpeg_or_png");
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| "not_a_jpeg_or_png")?;
    let orientation = decoder.orientation().map_err(|_| "not_a_jpeg_or_png")?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| "not_a_jpeg_or_png")?;
    img.apply_orientation(orientation);
    // Photos of jewels go on a white page: transparency becomes white.
    let rgb = flatten(&img);
    let hash = hex::encode(Sha256::digest(rgb.as_raw()));
    let (w, h) = rgb.dimensions();
    let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|x| *x < w).collect();
    widths.push(w.min(*WIDTHS.last().unwrap_or(&1600)));
    widths.sort_unstable();
    widths.dedup();
    let mut files = Vec::new();
    for width in widths {
        let height = ((u64::from(h) * u64::from(width)) / u64::from(w)).max(1) as u32;
        let resized = if width == w {
            rgb.clone()
        } else {
            image::imageops::resize(&rgb, width, height, image::imageops::FilterType::CatmullRom)
        };
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
            .encode_image(&resized)
            .map_err(|_| "not_a_jpeg_or_png")?;
        let webp = webp::Encoder::from_rgb(resized.as_raw(), width, height)
            .encode(80.0)
            .to_vec();
        files.push((file_name(&hash, width, "jpg"), jpeg));
        files.push((file_name(&hash, width, "webp"), webp));
    }
    Ok(Prepared {
        hash,
        width: w,
        height: h,
        files,
    })
}

fn flatten(img: &image::DynamicImage) -> image::RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u16::from(p[3]);
        let over = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
        image::Rgb([over(p[0]), over(p[1]), over(p[2])])
    })
}

/// Writes a file whole or not at all: to a temporary name, then renamed.
fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// A photo added to a product (admin), after its others, with its alternative text in the
/// profile's languages (a language left empty reads as the prevailing one, or any given).
pub async fn add(
    app: &App,
    staff_id: &str,
    slug: &str,
    bytes: Vec<u8>,
    file_name: &str,
    alt: &BTreeMap<String, String>,
) -> Result<ProductPhoto, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, &[Role::Admin])?;
    let product = app
        .store
        .staff_product(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if app.store.product_photos(&product.id).await?.len() >= MAX_PHOTOS {
        return Err(
            ecrin_core::Refusal::new("too_many_photos", "a product has at most 12 photos").into(),
        );
    }
    let profile = &app.profile;
    let mut texts = ecrin_store::Localized::default();
    for (code, text) in alt {
        let Some(lang) = code
            .parse::<Lang>()
            .ok()
            .filter(|l| profile.languages.contains(l))
        else {
            return Err(invalid(&format!("alt_{code}"), "unknown_language"));
        };
        let text = text.trim();
        if text.chars().count() > MAX_ALT || text.chars().any(char::is_control) {
            return Err(invalid(&format!("alt_{code}"), "invalid"));
        }
        match lang {
            Lang::Fr => texts.fr = text.to_owned(),
            Lang::En => texts.en = text.to_owned(),
            Lang::It => texts.it = text.to_owned(),
        }
    }
    // A language left empty reads as the prevailing one, or as any one given.
    let fallback = [
        texts.get(profile.prevailing_language),
        &texts.fr,
        &texts.en,
        &texts.it,
    ]
    .into_iter()
    .find(|t| !t.is_empty())
    .unwrap_or_default()
    .to_owned();
    for slot in [&mut texts.fr, &mut texts.en, &mut texts.it] {
        if slot.is_empty() {
            slot.clone_from(&fallback);
        }
    }
    let prepared = tokio::task::spawn_blocking(move || prepare(&bytes))
        .await
        .map_err(|e| AppError::Internal(format!("photo: {e}")))?
        .map_err(|reason| invalid("file", reason))?;
    let dir = app.media_dir.to_path_buf();
    let files = prepared.files;
    let written: Result<Vec<String>, std::io::Error> = tokio::task::spawn_blocking(move || {
        let mut names = Vec::new();
        for (name, bytes) in &files {
            if let Some(path) = path_of(&dir, name) {
                write_file(&path, bytes)?;
                names.push(name.clone());
            }
        }
        Ok(names)
    })
    .await
    .map_err(|e| AppError::Internal(format!("photo: {e}")))?;
    let written = written.map_err(|e| AppError::Internal(format!("media folder: {e}")))?;
    let mut widths: Vec<u32> = written
        .iter()
        .filter_map(|n| n.rsplit_once('-')?.1.split('.').next()?.parse().ok())
        .collect();
    widths.sort_unstable();
    widths.dedup();
    let name: String = Path::new(file_name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("photo")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let photo = ProductPhoto {
        id: ordered_id(app, "pho")?,
        product_id: product.id.clone(),
        position: 0,
        hash: prepared.hash,
        width: i64::from(prepared.width),
        height: i64::from(prepared.height),
        widths: widths
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(","),
        file_name: name,
        alt_fr: texts.fr,
        alt_en: texts.en,
        alt_it: texts.it,
        created_at: app.clock.now_ms(),
    };
    let mut tx = app.store.begin().await?;
    tx.insert_photo(&photo).await?;
    tx.bump_catalogue_version().await?;
    tx.commit().await?;
    Ok(app
        .store
        .product_photos(&product.id)
        .await?
        .into_iter()
        .find(|p| p.id == photo.id)
        .unwrap_or(photo))
}

/// A product's photos, in their order.
pub async fn of_product(app: &App, product_id: &str) -> Result<Vec<ProductPhoto>, AppError> {
    Ok(app.store.product_photos(product_id).await?)
}

/// A photo file's bytes, if the name is one of the shop's.
pub async fn read(app: &App, file: &str) -> Option<Vec<u8>> {
    let path = path_of(&app.media_dir, file)?;
    tokio::fs::read(path).await.ok()
}

#[cfg(test)]
mod props {
    use super::{MAX_SIDE, prepare};
    use proptest::prelude::*;

    /// A real PNG of `w`×`h` pixels of the given colours.
    fn png(w: u32, h: u32, seed: u8, alpha: bool) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let written = if alpha {
            image::RgbaImage::from_fn(w, h, |x, y| {
                image::Rgba([seed ^ x as u8, y as u8, seed, (x * 7) as u8])
            })
            .write_to(&mut out, image::ImageFormat::Png)
        } else {
            image::RgbImage::from_fn(w, h, |x, y| image::Rgb([seed ^ x as u8, y as u8, seed]))
                .write_to(&mut out, image::ImageFormat::Png)
        };
        assert!(written.is_ok());
        out.into_inner()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// CAT-6: any bytes uploaded as a photo are a JPEG or PNG read whole, or refused
        /// with a reason; never a panic.
        #[test]
        fn any_upload_is_read_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            if let Err(why) = prepare(&bytes) {
                prop_assert!(why == "not_a_jpeg_or_png" || why == "too_large");
            }
        }

        /// A real PNG is read at its size; the same file with bytes changed or cut short is
        /// read or refused, never a panic.
        #[test]
        fn a_png_is_read_and_a_damaged_one_refused_or_read(
            w in 1u32..48, h in 1u32..48, seed in any::<u8>(), alpha in any::<bool>(),
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
            cut in any::<prop::sample::Index>(),
        ) {
            let bytes = png(w, h, seed, alpha);
            let prepared = prepare(&bytes);
            prop_assert!(prepared.is_ok());
            if let Ok(p) = prepared {
                prop_assert_eq!((p.width, p.height), (w, h));
                prop_assert!(p.width <= MAX_SIDE && !p.files.is_empty());
            }
            let mut damaged = bytes.clone();
            for (at, b) in flips {
                let i = at.index(damaged.len());
                damaged[i] ^= b;
            }
            let _ = prepare(&damaged);
            let _ = prepare(&bytes[..cut.index(bytes.len())]);
        }
    }
}
