import Foundation

/// A standalone SVG document, built element by element: the one output format of every figure.
///
/// Coordinates are pixels from the top-left corner. `text` is the whole file: it opens in any
/// browser and renders on the code host, and it needs no fonts or scripts of its own.
public struct SVGDocument {
    public let width: Double
    public let height: Double
    private var elements: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Adds one element, given as SVG markup (the helpers below build the usual ones).
    public mutating func add(_ element: String) { elements.append(element) }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, attributes: String = "", title: String? = nil) {
        let strokeAttribute = stroke.map { " stroke=\"\($0)\"" } ?? ""
        let open = "<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(width))\" "
            + "height=\"\(svgNumber(height))\" fill=\"\(fill)\"\(strokeAttribute)\(spaced(attributes))"
        add(title.map { "\(open)><title>\(xmlEscaped($0))</title></rect>" } ?? "\(open)/>")
    }

    public mutating func line(from start: (x: Double, y: Double), to end: (x: Double, y: Double),
                              stroke: String = "#000", width: Double = 1, attributes: String = "") {
        add("<line x1=\"\(svgNumber(start.x))\" y1=\"\(svgNumber(start.y))\" x2=\"\(svgNumber(end.x))\" "
            + "y2=\"\(svgNumber(end.y))\" stroke=\"\(stroke)\" stroke-width=\"\(svgNumber(width))\"\(spaced(attributes))/>")
    }

    public enum Anchor: String { case start, middle, end }

    public mutating func text(_ string: String, x: Double, y: Double, size: Double = 12,
                              anchor: Anchor = .start, attributes: String = "") {
        add("<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" font-size=\"\(svgNumber(size))\" "
            + "text-anchor=\"\(anchor.rawValue)\"\(spaced(attributes))>\(xmlEscaped(string))</text>")
    }

    public mutating func circle(x: Double, y: Double, radius: Double, fill: String,
                                attributes: String = "", title: String? = nil) {
        let open = "<circle cx=\"\(svgNumber(x))\" cy=\"\(svgNumber(y))\" r=\"\(svgNumber(radius))\" fill=\"\(fill)\"\(spaced(attributes))"
        add(title.map { "\(open)><title>\(xmlEscaped($0))</title></circle>" } ?? "\(open)/>")
    }

    /// A grey image, drawn pixel for pixel (no smoothing) into the given box.
    public mutating func image(_ image: GrayImage, x: Double, y: Double, width: Double, height: Double,
                               attributes: String = "") {
        add("<image x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" "
            + "preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\"\(spaced(attributes)) "
            + "href=\"data:image/png;base64,\(Data(image.png()).base64EncodedString())\"/>")
    }

    /// The complete file.
    public var text: String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(svgNumber(width))" height="\(svgNumber(height))" \
        viewBox="0 0 \(svgNumber(width)) \(svgNumber(height))" font-family="Helvetica, Arial, sans-serif">
        <rect width="100%" height="100%" fill="#fff"/>
        \(elements.joined(separator: "\n"))
        </svg>

        """
    }

    private func spaced(_ attributes: String) -> String { attributes.isEmpty ? "" : " " + attributes }
}

/// A pixel coordinate with at most two decimals and no trailing zeros: "12", "12.5", "0.25".
func svgNumber(_ x: Double) -> String {
    let rounded = (x * 100).rounded() / 100
    if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
    return String(format: "%.2f", rounded).replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression)
}

/// A data value with six significant digits, as the run's metrics.csv writes it: "0.921875", "1e-05".
public func dataNumber(_ x: Double) -> String { String(format: "%.6g", x) }

/// Text safe inside an XML element or attribute.
func xmlEscaped(_ string: String) -> String {
    var out = ""
    for character in string {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(character)
        }
    }
    return out
}

/// Ten distinguishable colors for the series of a chart (the "tab10" palette).
let seriesColors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
