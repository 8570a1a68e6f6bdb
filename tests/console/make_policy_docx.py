#!/usr/bin/python3
"""Writes a small DOCX policy document of 示例市 (our own sentences) for the console's import
test: a title, the issuing body and 文号, three articles and an effective date.
Usage: make_policy_docx.py OUT.docx"""
import sys
import zipfile
from xml.sax.saxutils import escape

PARAGRAPHS = [
    "示例市人力资源和社会保障局关于灵活就业人员参加职工养老保险的通知",
    "示人社发〔2026〕8号",
    "各区人力资源和社会保障局，各有关单位：",
    "第一条 在本市从事个体经营、非全日制工作等灵活就业的人员，可以以个人身份参加职工基本养老保险。",
    "第二条 灵活就业人员按月缴费，缴费基数在本市上年度全口径城镇单位就业人员月平均工资的60%至300%之间自行选择。",
    "第三条 参保人员可以通过掌上12333或各区社保经办窗口办理参保登记，办理时携带本人身份证。",
    "本通知自2026年1月1日起施行。",
    "示例市人力资源和社会保障局",
    "2025年12月1日",
]


def paragraph(text):
    return f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def main(out):
    body = "".join(paragraph(t) for t in PARAGRAPHS)
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f'<w:body>{body}</w:body></w:document>')
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
             'officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", document)


if __name__ == "__main__":
    main(sys.argv[1])
