//! The library configuration `convert`'s options describe ([`ConvertArgs::to_config`]).

use fanlight::{Config, FontSize, Format, Gravity, MetadataMode, Variant, WatermarkSpec};

use super::args::ConvertArgs;

impl ConvertArgs {
    /// The library configuration these options describe.
    pub fn to_config(&self) -> Config {
        let mut config = Config::new(self.inputs.clone(), self.output.clone());
        config.resize = self.resize;
        config.enlarge = self.enlarge;
        config.shrink_on_load = !self.no_shrink_on_load;
        config.fit = self.fit;
        config.gravity = self.gravity.unwrap_or(Gravity::Center);
        config.background = self.background;
        config.select.recursive = !self.no_recursive;
        config.select.include = self.include.clone();
        config.select.exclude = self.exclude.clone();
        config.select.shard = self.shard;
        config.name_template = self.name.clone();
        config.in_place = self.in_place;
        config.on_exists = self.on_exists;
        config.filters = self.filters.clone();
        let (font_size, font_size_percent) = match self.font_size {
            FontSize::Px(px) => (px, None),
            FontSize::Percent(p) => (36.0, Some(p)),
        };
        let marked = self.watermark.is_some() || self.watermark_image.is_some();
        config.watermark = marked.then(|| WatermarkSpec {
            text: self
                .watermark
                .as_deref()
                .unwrap_or_default()
                .replace("\\n", "\n"),
            image: self.watermark_image.clone(),
            image_gravity: self.watermark_image_gravity,
            scale: self.watermark_scale,
            tile: self.tile,
            font: self.font.clone(),
            font_size,
            font_size_percent,
            color: self.color,
            opacity: self.opacity,
            gravity: self
                .watermark_gravity
                .or(self.gravity)
                .unwrap_or(Gravity::BottomRight),
            margin: self.margin,
        });
        let formats = if self.format.is_empty() {
            vec![Format::Same]
        } else {
            self.format.clone()
        };
        config.output.format = formats[0];
        config.output.quality = self.quality;
        config.output.lossless = self.lossless;
        config.output.progressive = self.progressive;
        config.output.chroma = self.chroma;
        config.output.optimize_coding = !self.no_optimize_coding;
        config.output.png_level = self.png_level;
        config.output.metadata = if self.strip {
            MetadataMode::Strip
        } else if self.strip_raw {
            MetadataMode::StripRaw
        } else if self.keep_metadata {
            MetadataMode::Keep
        } else {
            MetadataMode::IccOnly
        };
        config.output.to_srgb = self.to_srgb;
        if let Some(n) = self.workers {
            config.workers.filter = n;
        }
        if let Some(n) = self.load_workers {
            config.workers.load = n;
        }
        if let Some(n) = self.write_workers {
            config.workers.write = n;
        }
        config.queue_capacity = self.queue;
        config.decode_memory = self.decode_memory;
        config.fail_fast = self.fail_fast;
        config.max_pixels = self.max_pixels;
        config.max_file_size = self.max_file_size;
        config.lenient = self.lenient;
        config.timeout = self.timeout;
        config.output.keep_times = self.keep_times;
        config.variants = self.variants(&config, &formats);
        config
    }

    /// The variants `--widths`, `--variant` and a list of formats ask for (each width and
    /// variant in every format), in that order; none for a single output.
    fn variants(&self, config: &Config, formats: &[Format]) -> Vec<Variant> {
        let mut variants: Vec<Variant> = Vec::new();
        for &width in self.widths.iter().flat_map(|w| &w.0) {
            variants.extend(formats.iter().map(|&f| Variant::width(config, width, f)));
        }
        for spec in &self.variants {
            variants.extend(spec.resolve(config, formats));
        }
        if variants.is_empty() && formats.len() > 1 {
            variants.extend(formats.iter().map(|&format| Variant {
                format,
                ..Variant::of(config)
            }));
        }
        variants
    }
}
