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
