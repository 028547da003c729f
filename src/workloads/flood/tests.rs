use super::*;

#[test]
fn rows_tiles_and_ranks_equal_serial_bit_for_bit() {
    // A side that no tile size or rank count divides evenly.
    let start = Flood::dam_break(101, 11).unwrap();
    let serial = flood_serial(&start, 37).unwrap();
    assert_eq!(
        flood_rows_par(&start, 37)
            .unwrap()
            .first_difference(&serial),
        None
    );
    for (tile, depth) in [(16, 1), (32, 5), (40, 8), (101, 3), (7, 64)] {
        let tiles = flood_tiles_par(&start, 37, tile, depth).unwrap();
        assert_eq!(
            tiles.first_difference(&serial),
            None,
            "tile {tile}, depth {depth}"
        );
    }
    for ranks in [1, 2, 4, 7] {
        let run = flood_ranks(&start, 37, ranks, exchange_halos).unwrap();
        assert_eq!(run.flood.first_difference(&serial), None, "{ranks} ranks");
        assert_eq!(run.halo.len(), ranks);
    }
}

#[test]
fn water_is_kept_and_never_negative_and_it_moves_downhill() {
    let start = Flood::dam_break(64, 4).unwrap();
    let later = flood_serial(&start, 400).unwrap();
    let (before, after) = (start.water_total(), later.water_total());
    assert!((before - after).abs() < 1e-9 * before, "{before} → {after}");
    assert!(later.water.iter().all(|&h| h >= 0.0));
    // The reservoir is in the top rows; water reaches rows below it.
    let below = |f: &Flood| f.water[f.cols * 20..].iter().sum::<f64>();
    assert!(
        below(&later) > below(&start) + 0.1,
        "{} → {}",
        below(&start),
        below(&later)
    );
}

#[test]
fn a_missing_halo_exchange_changes_the_field() {
    let start = Flood::dam_break(48, 3).unwrap();
    let serial = flood_serial(&start, 30).unwrap();
    let lazy = flood_ranks(&start, 30, 2, |_, _, _| Ok(())).unwrap();
    assert!(
        lazy.flood.first_difference(&serial).is_some(),
        "without fresh halos the blocks' edge rows go wrong"
    );
}

#[test]
fn ranks_that_all_wait_first_report_the_wait_instead_of_hanging() {
    let start = Flood::dam_break(16, 1).unwrap();
    let err = flood_ranks(&start, 1, 2, |block, above, below| {
        if let Some(l) = above {
            block.set_halo_above(&l.recv()?)?;
        }
        if let Some(l) = below {
            block.set_halo_below(&l.recv()?)?;
        }
        Ok(())
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("must send its rows before it waits"), "{err}");
}

#[test]
fn bad_sizes_are_refused_with_what_is_allowed() {
    let err = |r: Result<Flood>| r.unwrap_err().to_string();
    assert!(err(Flood::dam_break(4, 1)).contains("from 8 to 4096"));
    assert!(err(Flood::dam_break(usize::MAX, 1)).contains("from 8 to 4096"));
    let start = Flood::dam_break(16, 1).unwrap();
    assert!(err(flood_serial(&start, usize::MAX)).contains("0 to 100 000"));
    assert!(err(flood_tiles_par(&start, 1, 0, 1)).contains("`tile`"));
    assert!(err(flood_tiles_par(&start, 1, 8, 0)).contains("1 to 64"));
    let ranks = flood_ranks(&start, 1, 17, exchange_halos)
        .unwrap_err()
        .to_string();
    assert!(ranks.contains("no more than the grid has rows"), "{ranks}");
    let mut block = Block::of(&start, 0, 2).unwrap();
    assert!(block.set_halo_below(&[0.0; 3]).is_err());
    assert_eq!(flood_serial(&start, 0).unwrap(), start);
}

#[test]
fn a_picture_has_water_in_blue_and_dry_land_in_green() {
    let start = Flood::dam_break(40, 2).unwrap();
    let picture = start.picture();
    assert_eq!(&picture.to_png().unwrap()[1..4], b"PNG");
    assert!(
        start.water[start.cols / 2] > 0.05,
        "the reservoir fills the valley's top middle"
    );
    let [r, _, b] = picture.pixel(20, 0).unwrap();
    assert!(b > r + 60, "water is blue: {:?}", picture.pixel(20, 0));
    let last = (start.rows - 1) * start.cols;
    assert_eq!(start.water[last], 0.0, "the bottom-left corner starts dry");
    let [r, g, b] = picture.pixel(0, 39).unwrap();
    assert!(
        g > b && g >= r,
        "dry land is green or yellow: {:?}",
        (r, g, b)
    );
    assert_eq!(picture.pixel(40, 0), None);
}
