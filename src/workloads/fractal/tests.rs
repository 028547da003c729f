use super::*;

#[test]
fn known_points_take_known_iteration_counts() {
    let m = |re, im| mandelbrot(Complex64::new(re, im), 1000);
    assert_eq!(m(0.0, 0.0), 1000, "0 is in the set");
    assert_eq!(m(-1.0, 0.0), 1000, "-1 cycles 0, -1, 0");
    assert_eq!(m(-2.0, 0.0), 1000, "-2 sits on the boundary, |z| = 2");
    assert_eq!(m(0.0, 1.0), 1000, "i cycles");
    assert_eq!(m(1.0, 0.0), 2, "1, 2, then 5");
    assert_eq!(m(2.0, 0.0), 1, "2, then 6");
    assert_eq!(m(3.0, 0.0), 0, "3 at once");
    assert_eq!(m(0.5, 0.0), 4, ".5, .75, 1.0625, 1.6289, then 3.1533");
}

#[test]
fn every_strategy_gives_the_serial_image() {
    let bbox = BoundingBox::zoom(96, 80);
    let serial = mandelbrot_serial(&bbox, 256).unwrap();
    assert!(serial.total_work() > 0);
    assert_eq!(mandelbrot_rows_par(&bbox, 256).unwrap(), serial);
    for tile in [1, 7, 32, 500] {
        assert_eq!(
            mandelbrot_tiles_par(&bbox, 256, tile).unwrap(),
            serial,
            "tile {tile}"
        );
    }
    for threads in [1, 3, 8, 200] {
        let (image, busy) = mandelbrot_static(&bbox, 256, threads).unwrap();
        assert_eq!(image, serial, "{threads} threads");
        assert!(busy.len() <= threads && !busy.is_empty());
    }
}

#[test]
fn rows_go_up_from_the_bottom() {
    let b = BoundingBox::new(2, 2, Complex64::new(0.0, 0.0), Complex64::new(2.0, 2.0))
        .unwrap();
    assert!(b.point(0, 0).im < b.point(0, 1).im);
    assert!(b.point(0, 0).re < b.point(1, 0).re);
}

#[test]
fn the_overview_is_symmetric_about_the_real_axis() {
    // Rows r and height - r mirror each other around the centre row.
    let bbox = BoundingBox::overview(64, 64);
    let img = mandelbrot_serial(&bbox, 200).unwrap();
    for r in 1..32 {
        for c in 0..64 {
            assert_eq!(img.get(c, 32 + r), img.get(c, 32 - r), "({c}, {r})");
        }
    }
}

#[test]
fn julia_counts_agree_with_the_kernel() {
    let bbox = BoundingBox::julia_view(40, 30);
    let c = Complex64::new(-0.5, 0.6);
    let img = julia_par(&bbox, c, 128).unwrap();
    assert_eq!(img.get(5, 7), julia(bbox.point(5, 7), c, 128));
    assert!(img.values().contains(&128));
    assert!(img.values().iter().any(|&v| v < 5));
}

#[test]
fn bad_sizes_and_limits_are_refused_with_the_argument_named() {
    let err = BoundingBox::new(0, 5, Complex64::new(0.0, 0.0), Complex64::new(1.0, 1.0))
        .unwrap_err();
    assert!(err.to_string().contains("`width`"), "{err}");
    let err = BoundingBox::new(5, 5, Complex64::new(0.0, 0.0), Complex64::new(0.0, 1.0))
        .unwrap_err();
    assert!(err.to_string().contains("`extent`"), "{err}");
    let bbox = BoundingBox::overview(8, 8);
    assert!(
        mandelbrot_serial(&bbox, 0)
            .unwrap_err()
            .to_string()
            .contains("`max_iter`")
    );
    assert!(bbox.tiles(0).is_err());
    assert!(mandelbrot_static(&bbox, 10, 0).is_err());
    let mut img = FractalImage::new(&bbox, 10).unwrap();
    let outside = Tile {
        rows: 6..10,
        cols: 0..2,
    };
    assert!(img.paste(&outside, &[0; 8]).is_err());
    let tile = Tile {
        rows: 0..2,
        cols: 0..2,
    };
    assert!(img.paste(&tile, &[0; 3]).is_err());
}

#[test]
fn png_has_the_image_size_and_black_for_the_set() {
    let bbox = BoundingBox::overview(32, 16);
    let img = mandelbrot_serial(&bbox, 64).unwrap();
    let png = img.to_png().unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (32, 16));
    let rgb = img.to_rgb();
    // The centre pixel (-0.8 + 0i) is in the set: black. Row 8 from the
    // bottom is row 7 from the top.
    let at = (7 * 32 + 16) * 3;
    assert_eq!(img.get(16, 8), 64);
    assert_eq!(&rgb[at..at + 3], &[0, 0, 0]);
}

#[test]
fn shown_pictures_are_shrunk_to_fit() {
    let bbox = BoundingBox::overview(100, 60);
    let img = mandelbrot_serial(&bbox, 32).unwrap();
    let size = |png: Vec<u8>| {
        let reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        (reader.info().width, reader.info().height)
    };
    assert_eq!(size(img.to_png_fitting(40).unwrap()), (34, 20));
    assert_eq!(size(img.to_png_fitting(100).unwrap()), (100, 60));
    assert!(img.to_png_fitting(0).is_err());
}

/// A box written as a struct literal, skipping `BoundingBox::new`.
fn literal(width: usize, height: usize) -> BoundingBox {
    BoundingBox {
        width,
        height,
        ..BoundingBox::overview(16, 16)
    }
}

#[test]
fn a_box_literal_beyond_the_side_limit_is_refused_by_every_helper_before_any_work() {
    let wide = literal(1 << 40, 16);
    let says_width = |e: crate::Error| {
        let text = e.to_string();
        assert!(
            text.starts_with(
                "invalid `width`: 1099511627776; allowed: 1 to 16384 pixels"
            ),
            "{text}"
        );
    };
    says_width(FractalImage::new(&wide, 64).unwrap_err());
    says_width(mandelbrot_serial(&wide, 64).unwrap_err());
    says_width(mandelbrot_rows_par(&wide, 64).unwrap_err());
    says_width(mandelbrot_tiles_par(&wide, 64, 8).unwrap_err());
    says_width(mandelbrot_static(&wide, 64, 2).unwrap_err());
    says_width(julia_par(&wide, Complex64::new(0.0, 0.0), 64).unwrap_err());
    says_width(crate::workloads::lanes::mandelbrot_lanes(&wide, 64).unwrap_err());
    says_width(wide.tiles(1).unwrap_err());
    let nan = BoundingBox {
        extent: Complex64::new(f64::NAN, 1.0),
        ..BoundingBox::overview(16, 16)
    };
    let err = mandelbrot_serial(&nan, 64).unwrap_err().to_string();
    assert!(err.starts_with("invalid `extent`"), "{err}");
}

#[test]
fn max_iter_beyond_two_to_the_24_is_refused_with_the_range() {
    let bbox = BoundingBox::overview(8, 8);
    for bad in [0, MAX_ITER + 1, u32::MAX] {
        let err = mandelbrot_serial(&bbox, bad).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "invalid `max_iter`: {bad}; allowed: 1 to 16777216 (2^24) steps per point; \
                 the lesson uses 256 and 1024"
            )
        );
    }
    assert!(mandelbrot_serial(&bbox, MAX_ITER).is_ok());
}

#[test]
fn tiles_and_images_beyond_the_memory_allowance_are_refused_naming_the_argument() {
    let big = BoundingBox::overview(1024, 1024);
    crate::limits::tests::with_allowed(1 << 20, || {
        // 2^20 one-pixel tiles of 32 bytes: 32 MiB.
        let err = big.tiles(1).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "`size` = 1 needs 32 MiB of memory (the list of 1048576 tiles)"
            ),
            "{err}"
        );
        let err = mandelbrot_tiles_par(&big, 64, 1).unwrap_err().to_string();
        assert!(
            err.starts_with("`bbox` = 1024 × 1024 pixels needs 4 MiB"),
            "{err}"
        );
        let small = BoundingBox::overview(256, 256);
        let err = mandelbrot_tiles_par(&small, 64, 1).unwrap_err().to_string();
        assert!(err.starts_with("`tile` = 1 needs "), "{err}");
        assert!(err.contains("allowed: at most 1 MiB"), "{err}");
        assert!(mandelbrot_tiles_par(&small, 64, 64).is_ok());
    });
    let err = mandelbrot_tiles_par(&big, 64, 0).unwrap_err().to_string();
    assert!(err.starts_with("invalid `tile`: 0"), "{err}");
}

#[test]
fn a_pixel_outside_the_image_names_the_coordinate_and_the_range() {
    let image = mandelbrot_serial(&BoundingBox::overview(16, 8), 32).unwrap();
    let message = |f: Box<dyn FnOnce() + std::panic::UnwindSafe>| {
        let payload = std::panic::catch_unwind(f).unwrap_err();
        payload.downcast_ref::<String>().cloned().unwrap()
    };
    let col = image.clone();
    assert_eq!(
        message(Box::new(move || {
            let _ = col.get(16, 0);
        })),
        "invalid `col`: 16; allowed: 0 to 15 (the image is 16 pixels wide)"
    );
    assert_eq!(
        message(Box::new(move || {
            let _ = image.get(0, usize::MAX);
        })),
        format!(
            "invalid `row`: {}; allowed: 0 to 7 (the image is 8 pixels high)",
            usize::MAX
        )
    );
}

#[test]
fn the_pixels_of_a_huge_literal_saturate_instead_of_wrapping() {
    assert_eq!(literal(usize::MAX, 16).pixels(), usize::MAX);
    assert_eq!(literal(3, 5).pixels(), 15);
}

#[test]
fn escape_counts_past_one_block_of_steps_equal_one_plain_loop() {
    // The kernels look for an interrupt every 65 536 steps; the counts
    // must be those of the plain loop on either side of a block's end.
    let plain = |c: Complex64, max_iter: u32| {
        let mut z = Complex64::new(0.0, 0.0);
        for k in 0..max_iter {
            z = z * z + c;
            if z.norm_sqr() > 4.0 {
                return k;
            }
        }
        max_iter
    };
    let points = [
        Complex64::new(0.0, 0.0),        // in the set: every step
        Complex64::new(-0.75, 0.000_01), // leaves after many steps
        Complex64::new(0.2501, 0.0),     // leaves after about 300 steps
        Complex64::new(1.0, 0.0),        // leaves at once
    ];
    for max_iter in [
        1,
        1000,
        STEPS_PER_CHECK - 1,
        STEPS_PER_CHECK,
        STEPS_PER_CHECK + 1,
        200_000,
    ] {
        for c in points {
            let want = plain(c, max_iter);
            assert_eq!(mandelbrot(c, max_iter), want, "{c} at {max_iter}");
            let lanes = crate::workloads::lanes::escape_lanes(
                [c; crate::workloads::lanes::LANES],
                max_iter,
            );
            assert!(lanes.iter().all(|&k| k == want), "lanes: {c} at {max_iter}");
        }
    }
}
