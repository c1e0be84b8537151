//! hj212.md §4's vectors (positive and negative) and a test for each parser pitfall of §6.

use super::*;
use crate::reply::{
    Station, data_reply, execution_result, get_time, request_reply, set_rtd_interval,
};

pub const V1: &str = "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&";
pub const V2: &str =
    "QN=20240601085857223;ST=32;CN=1011;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&&&";
pub const V3: &str = "QN=20220513162608370;ST=22;CN=2051;PW=123456;MN=JLYP01_AIR01_0001;Flag=4;CP=&&DataTime=20220513162600;a21004-Avg=4,a21004-Flag=N;a05024-Avg=63,a05024-Flag=N;a21026-Avg=6,a21026-Flag=N;a21005-Avg=0.427,a21005-Flag=N;a34004-Avg=14,a34004-Flag=N;a34002-Avg=31,a34002-Flag=N;a01007-Avg=1,a01007-Flag=N;a01008-Avg=11,a01008-Flag=N;a01001-Avg=17,a01001-Flag=N;a01002-Avg=85,a01002-Flag=N;a01006-Avg=95,a01006-Flag=N&&";
pub const V4: &str = "QN=20210301111100112;ST=21;CN=2011;PW=123456;MN=ZLDSZ20210127;Flag=8;CP=&&DataTime=20210301111100;w01001-Rtd=8.33,w01001-Flag=N;w01009-Rtd=10.15,w01009-Flag=N;w01010-Rtd=9.7,w01010-Flag=N;w01014-Rtd=1425,w01014-Flag=N;w01003-Rtd=13.10,w01003-Flag=N;w21011-Rtd=0,w21011-Flag=N;w21001-Rtd=3.563168,w21001-Flag=N;w21003-Rtd=0.09055002,w21003-Flag=N;w01019-Rtd=4.102818,w01019-Flag=N;w01008-Rtd=0,w01008-Flag=N;w23002-Rtd=0,w23002-Flag=N&&";
pub const V5: &str = "ST=32;CN=2011;PW=000000;MN=LD130133000015;CP=&&DataTime=20160824003817;011-Rtd=231.0,011-Flag=N;B01-Rtd=36.91;060-Rtd=1.803,060-Flag=N&&";

/// A frame as sent: `##`, the length, the segment, the stated CRC (as given) and CRLF.
fn wire(segment: &str, crc: &str) -> Vec<u8> {
    format!("##{:04}{segment}{crc}\r\n", segment.len()).into_bytes()
}

fn lenient() -> Options {
    Options::default()
}

#[test]
fn positive_vectors() {
    for (seg, len, crc_hex, modbus, version) in [
        (V1, 101, "1C80", 0x0759, Version::V2017),
        (V2, 87, "2200", 0xCCF4, Version::V2025),
        (V3, 411, "D641", 0x100A, Version::V2017),
        (V4, 435, "7d00", 0xC170, Version::V2025),
        (V5, 136, "1dc0", 0xF0D7, Version::V2005),
    ] {
        assert_eq!(seg.len(), len);
        assert_eq!(crc::crc_modbus(seg.as_bytes()), modbus, "{seg}");
        let w = wire(seg, crc_hex);
        let f = parse(&w, &lenient()).unwrap();
        assert_eq!(f.version, version, "{seg}");
        assert_eq!(format!("{:04X}", f.crc), crc_hex.to_uppercase());
        assert_eq!(f.segment, seg.as_bytes());
        // Re-encoding gives the frame with an upper-case CRC.
        assert_eq!(encode(seg.as_bytes()), wire(seg, &crc_hex.to_uppercase()));
    }
    let w_f = wire(V3, "D641");
    let f = parse(&w_f, &Options::strict()).unwrap();
    assert_eq!(
        (f.qn, f.st, f.cn, f.pw, f.mn, f.flag),
        (
            Some("20220513162608370"),
            Some("22"),
            Some("2051"),
            Some("123456"),
            Some("JLYP01_AIR01_0001"),
            Some("4")
        )
    );
    let cp = f.cp_data();
    assert_eq!(cp.data_time.as_deref(), Some("20220513162600"));
    assert_eq!(cp.get("a21005", Field::Avg), Some("0.427"));
    assert_eq!(cp.get("a21005", Field::Flag), Some("N"));
    assert_eq!(cp.len(), 23);
    assert!(!f.wants_reply());
    // V5 (2005): no QN, no Flag; legacy codes.
    let w_f = wire(V5, "1DC0");
    let f = parse(&w_f, &lenient()).unwrap();
    assert_eq!((f.qn, f.flag, f.version), (None, None, Version::V2005));
    assert_eq!(f.cp_data().get("B01", Field::Rtd), Some("36.91"));
}

#[test]
fn negative_vectors_name_both_crcs() {
    let x1 = "ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&";
    let err = parse(&wire(x1, "4980"), &lenient()).unwrap_err();
    assert_eq!(err.to_string(), "crc mismatch: stated 4980, computed 3C00");
    assert!(parse(&wire(x1, "3C00"), &lenient()).is_ok());
    // One bit flipped anywhere in V1 is caught (the CRC's 1-in-256 blind spot aside).
    let good = wire(V1, "1C80");
    let mut caught = 0;
    for i in 6..6 + V1.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        if parse(&bad, &lenient()).is_err() {
            caught += 1;
        }
    }
    assert!(caught >= V1.len() - 2, "{caught} of {}", V1.len());
}

#[test]
fn pitfall_1_the_modbus_crc_is_not_ours() {
    let err = parse(&wire(V1, "0759"), &lenient()).unwrap_err();
    assert_eq!(err.to_string(), "crc mismatch: stated 0759, computed 1C80");
}

#[test]
fn pitfall_2_every_crc_is_checked() {
    assert!(matches!(
        parse(&wire(V3, "D640"), &lenient()),
        Err(ParseError::CrcMismatch { .. })
    ));
}

#[test]
fn pitfall_3_lowercase_and_short_crcs() {
    let w_f = wire(V4, "7d00");
    let f = parse(&w_f, &lenient()).unwrap();
    assert_eq!(f.warnings, vec![Warning::LowercaseCrc]);
    assert_eq!(
        parse(&wire(V4, "7d00"), &Options::strict()).unwrap_err(),
        ParseError::LowercaseCrc("7d00".into())
    );
    // A Java sender dropping the leading zero (0140 → 140) shifts the tail.
    let seg = "QN=20260706103512345;ST=91;CN=9014;PW=123456;MN=A110000_0001;Flag=8;CP=&&&&";
    assert_eq!(crc(seg.as_bytes()), 0x0140);
    assert!(parse(&wire(seg, "140"), &lenient()).is_err());
}

/// Splits `stream` at every position and in fixed chunks; every frame comes out once.
fn frames_of(chunks: &[&[u8]]) -> (Vec<Vec<u8>>, usize) {
    let mut framer = Framer::default();
    let (mut frames, mut garbage) = (Vec::new(), 0);
    for c in chunks {
        framer.push(c);
        while let Some(item) = framer.next_item() {
            match item {
                Item::Frame(f) => frames.push(f.to_vec()),
                Item::Garbage(n) => garbage += n,
            }
        }
    }
    framer.finish();
    while let Some(item) = framer.next_item() {
        match item {
            Item::Frame(f) => frames.push(f.to_vec()),
            Item::Garbage(n) => garbage += n,
        }
    }
    (frames, garbage)
}

#[test]
fn pitfall_4_merged_and_split_reads_lose_nothing() {
    let mut stream = Vec::new();
    let all = [
        wire(V1, "1C80"),
        wire(V2, "2200"),
        wire(V3, "D641"),
        wire(V4, "7d00"),
        wire(V5, "1dc0"),
    ];
    for f in &all {
        stream.extend_from_slice(f);
    }
    // Merged: everything in one read.
    assert_eq!(frames_of(&[&stream]).0, all);
    // Split at every byte position, including right after the first `#`.
    for cut in 1..stream.len() {
        let (a, b) = stream.split_at(cut);
        let (frames, garbage) = frames_of(&[a, b]);
        assert_eq!((frames.len(), garbage), (5, 0), "cut at {cut}");
    }
    // One byte at a time.
    let bytes: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(frames_of(&bytes).0, all);
}

#[test]
fn pitfall_5_length_variants() {
    // 3 digits: accepted with a warning, refused by strict.
    let w3 = format!("##{}{V1}1C80\r\n", V1.len()).into_bytes();
    assert_eq!(&w3[..6], b"##101Q");
    let f = parse(&w3, &lenient()).unwrap();
    assert_eq!(f.warnings, vec![Warning::ThreeDigitLength]);
    assert_eq!(
        parse(&w3, &Options::strict()).unwrap_err(),
        ParseError::ShortLength(101)
    );
    assert_eq!(frames_of(&[&w3]).0, vec![w3.clone()]);
    // Over 1024 (a 1623-byte segment seen in the wild): accepted up to 4096 with a warning.
    let mut cp = String::from("DataTime=20260101000000");
    while cp.len() < 1600 {
        cp.push_str(";a21026-Rtd=58,a21026-Flag=N");
    }
    let seg = format!("QN=20260101000000000;ST=31;CN=2051;PW=123456;MN=X;Flag=4;CP=&&{cp}&&");
    let long = encode(seg.as_bytes());
    let f = parse(&long, &lenient()).unwrap();
    assert_eq!(f.warnings, vec![Warning::OverLength(seg.len())]);
    assert!(matches!(
        parse(&long, &Options::strict()),
        Err(ParseError::TooLong { max: 1024, .. })
    ));
    let small = Options {
        strict: false,
        max_segment: 1500,
    };
    assert!(matches!(
        parse(&long, &small),
        Err(ParseError::TooLong { .. })
    ));
    assert_eq!(frames_of(&[&long]).0, vec![long.clone()]);
}

#[test]
fn pitfall_6_missing_crlf() {
    let a = format!("##{:04}{V1}1C80", V1.len());
    let b = format!("##{:04}{V2}2200", V2.len());
    let stream = format!("{a}{b}");
    let (frames, garbage) = frames_of(&[stream.as_bytes()]);
    assert_eq!(frames, vec![a.as_bytes().to_vec(), b.as_bytes().to_vec()]);
    assert_eq!(garbage, 0);
    assert!(parse(a.as_bytes(), &Options::strict()).is_ok());
}

#[test]
fn pitfall_7_foreign_bytes_are_skipped_and_counted() {
    let modbus = b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x0a#\x23x##12ab";
    let mut stream = modbus.to_vec();
    stream.extend_from_slice(&wire(V1, "1C80"));
    stream.extend_from_slice(b"garbage ## 99 #");
    stream.extend_from_slice(&wire(V3, "D641"));
    let (frames, garbage) = frames_of(&[&stream]);
    assert_eq!(frames, vec![wire(V1, "1C80"), wire(V3, "D641")]);
    assert_eq!(garbage, modbus.len() + "garbage ## 99 #".len());
}

#[test]
fn pitfall_8_gbk_text_frames_by_bytes() {
    let (gbk, _, _) = encoding_rs::GBK.encode("设备型号=景洪污水厂一号");
    let mut seg = b"QN=20260101000000000;ST=32;CN=3020;PW=123456;MN=X1;Flag=4;CP=&&DataTime=20260101000000;i12001-Info=".to_vec();
    seg.extend_from_slice(&gbk[gbk.iter().position(|&b| b == b'=').unwrap() + 1..]);
    seg.extend_from_slice(b"&&");
    let w = encode(&seg);
    let (frames, _) = frames_of(&[&w[..40], &w[40..]]);
    assert_eq!(frames, vec![w.clone()]);
    let f = parse(&w, &lenient()).unwrap();
    assert_eq!(
        f.cp_data().get("i12001", Field::Info),
        Some("景洪污水厂一号")
    );
    // UTF-8 works the same way.
    let utf8 = "QN=1;ST=32;CN=3020;PW=1;MN=X;Flag=4;CP=&&i12001-Info=勐海&&";
    let w_f = encode(utf8.as_bytes());
    let f = parse(&w_f, &lenient()).unwrap();
    assert_eq!(f.cp_data().get("i12001", Field::Info), Some("勐海"));
}

#[test]
fn pitfall_9_field_order_presence_and_duplicates() {
    // MN before PW, PNO before PNUM, no Flag (so 2005 and no split bit), duplicates, trailing ;.
    let seg = "QN=20191112091100598;ST=31;CN=2051;MN=88888880000001;PW=123456;PNO=0002;PNUM=0002;CP=&&DataTime=20191112091000;a21-Rtd=0.00;a21-Rtd=0.01;FANSTATUS=1;&&";
    let w_f = encode(seg.as_bytes());
    let f = parse(&w_f, &lenient()).unwrap();
    assert_eq!(
        (f.mn, f.pw, f.pnum, f.pno),
        (
            Some("88888880000001"),
            Some("123456"),
            Some("0002"),
            Some("0002")
        )
    );
    let cp = f.cp_data();
    assert_eq!(cp.value("a21-Rtd"), Some("0.01"));
    assert_eq!(cp.warnings, vec![Warning::DuplicateKey("a21-Rtd".into())]);
    assert_eq!(cp.value("FANSTATUS"), Some("1"));
    // An empty CP, and a duplicated header key (the last is kept, with a warning).
    let seg = "QN=1;ST=32;ST=33;CN=2011;PW=1;MN=X;Flag=4;CP=&&&&";
    let w_f = encode(seg.as_bytes());
    let f = parse(&w_f, &lenient()).unwrap();
    assert_eq!(f.st, Some("33"));
    assert_eq!(f.warnings, vec![Warning::DuplicateKey("ST".into())]);
    assert!(f.cp_data().is_empty());
    // No CP at all is malformed.
    let w_f = encode(b"QN=1;ST=32;CN=2011;PW=1;MN=X;Flag=4");
    let f = parse(&w_f, &lenient());
    assert_eq!(f.unwrap_err(), ParseError::NoCp);
}

#[test]
fn pitfall_10_time_values_are_kept_as_sent() {
    let seg = "QN=20260101000000000;ST=32;CN=2051;PW=1;MN=X;Flag=4;CP=&&DataTime=20260101000000123;w01018-Avg=12.5&&";
    let w_f = encode(seg.as_bytes());
    let f = parse(&w_f, &lenient()).unwrap();
    assert_eq!(f.cp_data().data_time.as_deref(), Some("20260101000000123"));
}

#[test]
fn pitfall_11_flag_bits_decide_version_and_reply() {
    for (flag, version, reply, split) in [
        ("0", Version::V2005, false, false),
        ("1", Version::V2005, true, false),
        ("4", Version::V2017, false, false),
        ("5", Version::V2017, true, false),
        ("7", Version::V2017, true, true),
        ("8", Version::V2025, false, false),
        ("9", Version::V2025, true, false),
    ] {
        let seg = format!("QN=1;ST=32;CN=2011;PW=1;MN=X;Flag={flag};CP=&&&&");
        let w_f = encode(seg.as_bytes());
        let f = parse(&w_f, &lenient()).unwrap();
        assert_eq!(
            (f.version, f.wants_reply(), f.is_split()),
            (version, reply, split),
            "{flag}"
        );
    }
    let w_f = encode(b"QN=1;ST=32;CN=2011;PW=1;MN=X;Flag=253;CP=&&&&");
    let f = parse(&w_f, &lenient()).unwrap();
    assert_eq!(f.warnings, vec![Warning::UnknownVersionBits(63)]);
    assert!(f.wants_reply());
    assert!(matches!(
        parse(
            &encode(b"QN=1;ST=32;CN=2011;PW=1;MN=X;Flag=x;CP=&&&&"),
            &lenient()
        ),
        Err(ParseError::BadFlag(_))
    ));
}

#[test]
fn pitfall_12_and_13_unknown_systems_codes_and_fields_are_kept() {
    let seg = "QN=1;ST=101;CN=2051;PW=1;MN=X;Flag=4;XX=1;CP=&&801-Avg=3;ua19003-Avg=4,ua19003-ValidNum=9&&";
    let w_f = encode(seg.as_bytes());
    let f = parse(&w_f, &lenient()).unwrap();
    assert_eq!(f.st, Some("101"));
    assert_eq!(f.warnings, vec![Warning::UnknownHeaderField("XX".into())]);
    let cp = f.cp_data();
    assert_eq!(cp.get("801", Field::Avg), Some("3"));
    assert_eq!(
        cp.get("ua19003", Field::Other("ValidNum".into())),
        Some("9")
    );
}

#[test]
fn pitfall_15_the_crc_has_256_values() {
    let mut seen = std::collections::BTreeSet::new();
    for i in 0u32..20_000 {
        seen.insert(crc(format!("QN={i};CP=&&&&").as_bytes()));
    }
    assert_eq!(seen.len(), 256);
    assert!(
        seen.iter()
            .all(|c| [0x00, 0x01, 0x40, 0x41, 0x80, 0x81, 0xC0, 0xC1].contains(&(c & 0xFF)))
    );
}

#[test]
fn replies_mirror_the_request_and_reproduce_the_reference_frames() {
    let req = "QN=20160801085000001;ST=32;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime=20160801084000;w01018-Avg=10&&";
    let w_f = encode(req.as_bytes());
    let f = parse(&w_f, &lenient()).unwrap();
    assert_eq!(
        data_reply(&f),
        b"##0087QN=20160801085000001;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&C241\r\n"
    );
    let req = "QN=20260706103512345;ST=32;CN=2011;PW=123456;MN=A110000_0001;Flag=9;CP=&&&&";
    let w_f = encode(req.as_bytes());
    let f = parse(&w_f, &lenient()).unwrap();
    assert_eq!(
        data_reply(&f),
        b"##0075QN=20260706103512345;ST=91;CN=9014;PW=123456;MN=A110000_0001;Flag=8;CP=&&&&0140\r\n"
    );
    let w_r = request_reply(&f, 1);
    let r = parse(&w_r, &Options::strict()).unwrap();
    assert_eq!(
        (r.cn, r.flag, r.cp),
        (Some("9011"), Some("8"), &b"QnRtn=1"[..])
    );
    let w_r = execution_result(&f, 100);
    let r = parse(&w_r, &Options::strict()).unwrap();
    assert_eq!((r.cn, r.cp), (Some("9012"), &b"ExeRtn=100"[..]));
    // 2005: no Flag, the acknowledged QN and CN inside CP.
    let w_f = wire(V5, "1dc0");
    let f = parse(&w_f, &lenient()).unwrap();
    let r = data_reply(&f);
    assert_eq!(
        r,
        encode(b"ST=91;CN=9014;PW=000000;MN=LD130133000015;CP=&&CN=2011&&")
    );
    let req = "QN=20050101000000000;ST=32;CN=2011;PW=1;MN=M;Flag=1;CP=&&&&";
    let w_f = encode(req.as_bytes());
    let f = parse(&w_f, &lenient()).unwrap();
    let w_r = request_reply(&f, 1);
    let r = parse(&w_r, &Options::strict()).unwrap();
    assert_eq!(
        (r.qn, r.flag, r.cp),
        (None, None, &b"QN=20050101000000000;CN=2011;QnRtn=1"[..])
    );
}

#[test]
fn commands_reproduce_v1_and_v2() {
    let station = Station {
        version: Version::V2017,
        st: "32",
        pw: "100000",
        mn: "010000A8900016F000169DC0",
    };
    assert_eq!(
        set_rtd_interval(&station, "20160801085857223", 30),
        wire(V1, "1C80")
    );
    let station = Station {
        version: Version::V2025,
        pw: "123456",
        ..station
    };
    assert_eq!(get_time(&station, "20240601085857223"), wire(V2, "2200"));
    let t = reply::set_time(&station, "20240601085857224", "20240601085900");
    let w_f = t;
    let f = parse(&w_f, &Options::strict()).unwrap();
    assert_eq!(
        (f.cn, f.cp, f.wants_reply()),
        (Some("1012"), &b"SystemTime=20240601085900"[..], true)
    );
}

fn split_part(qn: &str, pno: u32, pnum: u32, cp: &str) -> Vec<u8> {
    encode(
        format!("QN={qn};ST=31;CN=2051;PW=1;MN=M1;Flag=7;PNUM={pnum};PNO={pno};CP=&&{cp}&&")
            .as_bytes(),
    )
}

#[test]
fn the_reassembler_joins_parts_in_order_and_is_bounded() {
    let mut r = Reassembler::default();
    let parts: Vec<Vec<u8>> = (1..=3)
        .map(|i| split_part("Q1", i, 3, &format!("a{i}-Avg={i}")))
        .collect();
    assert_eq!(
        r.push(&parse(&parts[2], &lenient()).unwrap(), 0).unwrap(),
        None
    );
    assert_eq!(
        r.push(&parse(&parts[0], &lenient()).unwrap(), 10).unwrap(),
        None
    );
    // A resent part replaces the earlier copy.
    assert_eq!(
        r.push(&parse(&parts[0], &lenient()).unwrap(), 20).unwrap(),
        None
    );
    let m = r
        .push(&parse(&parts[1], &lenient()).unwrap(), 30)
        .unwrap()
        .unwrap();
    assert_eq!(m.key, ("M1".into(), "Q1".into(), "2051".into()));
    assert_eq!(m.cp(), b"a1-Avg=1;a2-Avg=2;a3-Avg=3");
    assert_eq!(r.pending(), 0);
    // Expiry by the caller's clock.
    r.push(
        &parse(&split_part("Q2", 1, 2, "x=1"), &lenient()).unwrap(),
        1_000,
    )
    .unwrap();
    r.expire(61_000);
    assert_eq!(r.pending(), 1);
    r.expire(61_001);
    assert_eq!(r.pending(), 0);
    let dropped = r.take_dropped();
    assert_eq!(
        (dropped.len(), dropped[0].expired, dropped[0].received),
        (1, true, 1)
    );
    // Bounded: the oldest pending message makes room.
    let mut r = Reassembler::new(ReassemblerOptions {
        max_pending: 4,
        ..ReassemblerOptions::default()
    });
    for i in 0..10 {
        r.push(
            &parse(&split_part(&format!("Q{i}"), 1, 2, "x=1"), &lenient()).unwrap(),
            i,
        )
        .unwrap();
    }
    assert_eq!(r.pending(), 4);
    assert_eq!(r.take_dropped().len(), 6);
    // Bad numbers are refused; unsplit frames pass through whole.
    let bad = split_part("Q9", 3, 2, "x=1");
    assert!(r.push(&parse(&bad, &lenient()).unwrap(), 0).is_err());
    let w_whole = wire(V3, "D641");
    let whole = parse(&w_whole, &lenient()).unwrap();
    assert_eq!(r.push(&whole, 0).unwrap().unwrap().parts.len(), 1);
}

#[test]
fn a_long_stream_in_tcp_sized_reads_loses_no_frame() {
    let frames = [
        wire(V1, "1C80"),
        wire(V2, "2200"),
        wire(V3, "D641"),
        wire(V4, "7d00"),
        wire(V5, "1dc0"),
    ];
    let mut stream = Vec::new();
    for i in 0..10_000 {
        stream.extend_from_slice(&frames[i % 5]);
    }
    let chunks: Vec<&[u8]> = stream.chunks(1460).collect();
    let (out, garbage) = frames_of(&chunks);
    assert_eq!((out.len(), garbage), (10_000, 0));
    assert!(out.iter().all(|f| parse(f, &lenient()).is_ok()));
}
